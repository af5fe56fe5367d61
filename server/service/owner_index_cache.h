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
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/core/server_key.h"

namespace registry::service {

// An owner's registries in try order (most specific first), as a resolve needs them: each one's
// match key and id (its resource name is the owner's name and the id; its server as stored,
// which only `explain` shows, stays in the index). Packed: every string in one buffer, indexed
// by two small tables, so an owner of 10 registries on four-label servers is ~1 KiB in three
// allocations (as separate ServerKeys it was ~2.9 KiB in ~25) and a resolve reads it from
// adjacent cache lines. Built with Add, then shared immutable.
class IndexedRegistries final {
 public:
  // Appends a registry: `server`'s match fields and `registry_id` (empty for the global Docker
  // Hub registry).
  void Add(const core::ServerKey& server, std::string_view registry_id);
  // Gives back the spare capacity Add left (call once built, before sharing).
  void ShrinkToFit();

  size_t size() const { return entries_.size(); }
  // Views into this object: valid while it lives and no Add follows.
  core::PackedServerKey server(size_t i) const;
  std::string_view registry_id(size_t i) const;
  // Heap bytes held (the buffers' capacities), for OwnerIndexCache::EntryBytes.
  size_t HeapBytes() const;

 private:
  struct Entry {
    uint32_t first_label = 0;  // In pieces_.
    uint32_t first_segment = 0;
    uint16_t label_count = 0;
    uint16_t segment_count = 0;
    int32_t wildcard_labels = 0;
    core::TextPiece port;
    core::TextPiece registry_id;
    bool docker_hub = false;
  };
  core::TextPiece Append(std::string_view text);

  std::string text_;
  std::vector<core::TextPiece> pieces_;
  std::vector<Entry> entries_;
};
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

  // The memory `owner`'s entry holds: its key, the map slot, the shared object and its buffers,
  // plus the allocator's rounding. ~1 KiB for an owner of 10 registries with four-label servers.
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
