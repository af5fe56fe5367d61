// OwnerIndexCache: the decoded registry indexes of recently resolved owners, so a resolve of a
// hot owner skips reading, opening and decoding `x/{owner}/`. Holds match keys only (names,
// servers, parsed server keys), never a secret. Bounded; every registry write of an owner
// invalidates that owner's entry (RegistryManager calls Invalidate after each write).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/core/server_key.h"

namespace registry::service {

// One registry as the index describes it, in the fewest bytes a resolve needs: its match key and
// id (its resource name is the owner's name and the id; its server as stored, which only
// `explain` shows, stays in the index). ~250 bytes with a four-label server, against ~400 with
// both strings: the cache holds one per registry of every recently resolved owner.
struct IndexedRegistry {
  core::ServerKey server;
  std::string registry_id;  // Empty for the global Docker Hub registry.
};

// An owner's registries in try order (most specific first); immutable once built.
using IndexedRegistries = std::vector<IndexedRegistry>;
using IndexedRegistriesPtr = std::shared_ptr<const IndexedRegistries>;

// Thread-safe. Loading follows a ticket protocol so a load that raced with a write never
// caches what the write replaced:
//   ticket = Ticket(owner); read the stored index; Insert(owner, ticket, decoded).
// Insert is ignored when a write of an owner in the same shard happened after Ticket().
class OwnerIndexCache final {
 public:
  // Holds at most about `capacity_owners` owners (REQUIRES: > 0) in 16 shards; inserting into a
  // full shard empties that shard first (O(1) amortized, unlike evicting one entry at a time).
  explicit OwnerIndexCache(size_t capacity_owners);
  OwnerIndexCache(const OwnerIndexCache&) = delete;
  OwnerIndexCache& operator=(const OwnerIndexCache&) = delete;

  // The cached registries of `owner`, or null.
  IndexedRegistriesPtr Find(const std::string& owner) const;
  // Taken before reading `owner`'s stored index.
  uint64_t Ticket(const std::string& owner) const;
  // Caches `registries` for `owner` unless a write invalidated the shard since `ticket`.
  void Insert(const std::string& owner, uint64_t ticket, IndexedRegistriesPtr registries);
  // Drops `owner`'s entry; call after every registry write of `owner` (committed or not).
  void Invalidate(const std::string& owner);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, IndexedRegistriesPtr> entries ABSL_GUARDED_BY(mu);
    uint64_t generation ABSL_GUARDED_BY(mu) = 0;
  };
  Shard& ShardOf(const std::string& owner) const;

  const size_t capacity_per_shard_;
  mutable Shard shards_[kShards];
};

}  // namespace registry::service
