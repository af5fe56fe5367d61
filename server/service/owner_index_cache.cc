#include "server/service/owner_index_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace registry::service {

namespace {

// Heap bytes of a string's characters: none while they fit the inline buffer.
size_t HeapBytes(const std::string& text) {
  constexpr size_t kInlineCapacity = 15;  // libstdc++'s small-string buffer.
  return text.capacity() > kInlineCapacity ? text.capacity() + 1 : 0;
}

size_t HeapBytes(const std::vector<std::string>& texts) {
  size_t bytes = texts.capacity() * sizeof(std::string);
  for (const std::string& text : texts) bytes += HeapBytes(text);
  return bytes;
}

// The allocator's size-class rounding and the hash map's free slots: 1/16 more than requested
// matches the resident memory measured with 100 000 owners of 10 registries cached (~2.9 KiB
// each, bench/README.md).
size_t WithAllocatorOverhead(size_t bytes) { return bytes + bytes / 16; }

}  // namespace

OwnerIndexCache::OwnerIndexCache(size_t capacity_owners, size_t capacity_bytes)
    : owners_per_shard_(std::max<size_t>(1, capacity_owners / kShards)),
      bytes_per_shard_(std::max<size_t>(1, capacity_bytes / kShards)) {}

size_t OwnerIndexCache::EntryBytes(const std::string& owner, const IndexedRegistries& registries) {
  // The map slot (key and Entry) and the shared_ptr's control block with the vector in it.
  size_t bytes = sizeof(std::pair<const std::string, Entry>) + HeapBytes(owner) +
                 2 * sizeof(void*) + sizeof(IndexedRegistries) +
                 registries.capacity() * sizeof(IndexedRegistry);
  for (const IndexedRegistry& registry : registries) {
    bytes += HeapBytes(registry.registry_id) + HeapBytes(registry.server.host_labels) +
             HeapBytes(registry.server.port) + HeapBytes(registry.server.path_segments);
  }
  return WithAllocatorOverhead(bytes);
}

size_t OwnerIndexCache::bytes() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    total += shard.bytes;
  }
  return total;
}

OwnerIndexCache::Shard& OwnerIndexCache::ShardOf(const std::string& owner) const {
  return shards_[absl::HashOf(owner) % kShards];
}

IndexedRegistriesPtr OwnerIndexCache::Find(const std::string& owner) const {
  Shard& shard = ShardOf(owner);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(owner);
  return it == shard.entries.end() ? nullptr : it->second.registries;
}

uint64_t OwnerIndexCache::Ticket(const std::string& owner) const {
  Shard& shard = ShardOf(owner);
  absl::MutexLock lock(&shard.mu);
  return shard.generation;
}

void OwnerIndexCache::Insert(const std::string& owner, uint64_t ticket,
                             IndexedRegistriesPtr registries) {
  const size_t bytes = EntryBytes(owner, *registries);
  if (bytes > bytes_per_shard_) return;  // Would take a whole shard's share.
  Shard& shard = ShardOf(owner);
  absl::MutexLock lock(&shard.mu);
  if (shard.generation != ticket) return;  // A write may have replaced what was read.
  if (auto it = shard.entries.find(owner); it != shard.entries.end()) {
    shard.bytes -= it->second.bytes;
    shard.entries.erase(it);
  }
  if (shard.entries.size() >= owners_per_shard_ || shard.bytes + bytes > bytes_per_shard_) {
    // A full shard starts over. Erasing begin() one entry at a time instead makes each
    // eviction scan past the slots the previous ones emptied.
    shard.entries.clear();
    shard.bytes = 0;
  }
  shard.entries.emplace(owner, Entry{std::move(registries), bytes});
  shard.bytes += bytes;
}

void OwnerIndexCache::Invalidate(const std::string& owner) {
  Shard& shard = ShardOf(owner);
  absl::MutexLock lock(&shard.mu);
  ++shard.generation;
  if (auto it = shard.entries.find(owner); it != shard.entries.end()) {
    shard.bytes -= it->second.bytes;
    shard.entries.erase(it);
  }
}

}  // namespace registry::service
