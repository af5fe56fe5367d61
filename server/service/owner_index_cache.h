// OwnerIndexCache: the decoded registry indexes of recently resolved owners, so a resolve of a
// hot owner skips reading, opening and decoding `x/{owner}/`. Holds match keys only (names,
// servers, parsed server keys), never a secret. Bounded in owners and in bytes (an owner of 200
// registries costs twenty times one of 10); every registry write of an owner invalidates that
// owner's entry (RegistryManager calls Invalidate after each write).
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
  // Holds at most about `capacity_owners` owners and `capacity_bytes` bytes of entries
  // (EntryBytes; REQUIRES: both > 0) in 16 shards; inserting into a shard that would be past
  // either bound empties that shard first (O(1) amortized, unlike evicting one entry at a time).
  // An owner whose entry alone is past a shard's share of the bytes is not cached.
  OwnerIndexCache(size_t capacity_owners, size_t capacity_bytes);
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

  // The memory `owner`'s entry holds: its key, the map slot, the vector, and each registry with
  // the heap its strings and label vectors use (libstdc++ keeps strings of up to 15 characters
  // inline), plus the allocator's rounding. ~2.9 KiB for an owner of 10 registries with four-label
  // servers, as measured by resident memory at 100 000 such owners.
  static size_t EntryBytes(const std::string& owner, const IndexedRegistries& registries);
  // The sum of EntryBytes over the cached entries.
  size_t bytes() const;

 private:
  static constexpr size_t kShards = 16;
  struct Entry {
    IndexedRegistriesPtr registries;
    size_t bytes = 0;
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
    uint64_t generation ABSL_GUARDED_BY(mu) = 0;
  };
  Shard& ShardOf(const std::string& owner) const;

  const size_t owners_per_shard_;
  const size_t bytes_per_shard_;
  mutable Shard shards_[kShards];
};

}  // namespace registry::service
