#include "server/service/owner_index_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace registry::service {

OwnerIndexCache::OwnerIndexCache(size_t capacity_owners)
    : capacity_per_shard_(std::max<size_t>(1, capacity_owners / kShards)) {}

OwnerIndexCache::Shard& OwnerIndexCache::ShardOf(const std::string& owner) const {
  return shards_[absl::HashOf(owner) % kShards];
}

IndexedRegistriesPtr OwnerIndexCache::Find(const std::string& owner) const {
  Shard& shard = ShardOf(owner);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(owner);
  return it == shard.entries.end() ? nullptr : it->second;
}

uint64_t OwnerIndexCache::Ticket(const std::string& owner) const {
  Shard& shard = ShardOf(owner);
  absl::MutexLock lock(&shard.mu);
  return shard.generation;
}

void OwnerIndexCache::Insert(const std::string& owner, uint64_t ticket,
                             IndexedRegistriesPtr registries) {
  Shard& shard = ShardOf(owner);
  absl::MutexLock lock(&shard.mu);
  if (shard.generation != ticket) return;  // A write may have replaced what was read.
  if (shard.entries.size() >= capacity_per_shard_ && !shard.entries.contains(owner)) {
    // A full shard starts over. Erasing begin() one entry at a time instead makes each
    // eviction scan past the slots the previous ones emptied.
    shard.entries.clear();
  }
  shard.entries[owner] = std::move(registries);
}

void OwnerIndexCache::Invalidate(const std::string& owner) {
  Shard& shard = ShardOf(owner);
  absl::MutexLock lock(&shard.mu);
  ++shard.generation;
  shard.entries.erase(owner);
}

}  // namespace registry::service
