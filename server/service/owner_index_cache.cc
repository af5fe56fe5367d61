#include "server/service/owner_index_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace registry::service {

namespace {

// Heap bytes of a string's characters: none while they fit the inline buffer.
size_t StringHeapBytes(const std::string& text) {
  constexpr size_t kInlineCapacity = 15;  // libstdc++'s small-string buffer.
  return text.capacity() > kInlineCapacity ? text.capacity() + 1 : 0;
}

// The allocator's size-class rounding and the hash map's free slots: 1/16 more than requested
// matched the resident memory measured with 100 000 owners of 10 registries cached when each
// registry was a separate ServerKey (~2.9 KiB an owner, bench/README.md). Packed (~1.2 KiB),
// the same owners took 149 MiB less resident memory, about what EntryBytes says.
size_t WithAllocatorOverhead(size_t bytes) { return bytes + bytes / 16; }

}  // namespace

OwnerIndexCache::OwnerIndexCache(size_t capacity_owners, size_t capacity_bytes)
    : owners_per_shard_(std::max<size_t>(1, capacity_owners / kShards)),
      bytes_per_shard_(std::max<size_t>(1, capacity_bytes / kShards)) {}

void IndexedRegistries::Add(const core::ServerKey& server, std::string_view registry_id) {
  Entry entry;
  entry.first_label = static_cast<uint32_t>(pieces_.size());
  entry.label_count = static_cast<uint16_t>(server.host_labels.size());
  for (const std::string& label : server.host_labels) pieces_.push_back(Append(label));
  entry.first_segment = static_cast<uint32_t>(pieces_.size());
  entry.segment_count = static_cast<uint16_t>(server.path_segments.size());
  for (const std::string& segment : server.path_segments) pieces_.push_back(Append(segment));
  entry.wildcard_labels = server.wildcard_labels;
  entry.port = Append(server.port);
  entry.registry_id = Append(registry_id);
  entry.docker_hub = server.docker_hub;
  entries_.push_back(entry);
}

core::TextPiece IndexedRegistries::Append(std::string_view text) {
  const core::TextPiece piece{.offset = static_cast<uint32_t>(text_.size()),
                              .length = static_cast<uint32_t>(text.size())};
  text_.append(text);
  return piece;
}

void IndexedRegistries::ShrinkToFit() {
  text_.shrink_to_fit();
  pieces_.shrink_to_fit();
  entries_.shrink_to_fit();
}

core::PackedServerKey IndexedRegistries::server(size_t i) const {
  const Entry& entry = entries_[i];
  return {.host_labels = {text_, pieces_.data() + entry.first_label, entry.label_count},
          .port = {text_.data() + entry.port.offset, entry.port.length},
          .path_segments = {text_, pieces_.data() + entry.first_segment, entry.segment_count},
          .docker_hub = entry.docker_hub,
          .wildcard_labels = entry.wildcard_labels};
}

std::string_view IndexedRegistries::registry_id(size_t i) const {
  const core::TextPiece& id = entries_[i].registry_id;
  return {text_.data() + id.offset, id.length};
}

size_t IndexedRegistries::HeapBytes() const {
  return StringHeapBytes(text_) + pieces_.capacity() * sizeof(core::TextPiece) +
         entries_.capacity() * sizeof(Entry);
}

size_t OwnerIndexCache::EntryBytes(const std::string& owner, const IndexedRegistries& registries) {
  // The map slot (key and Entry), the shared_ptr's control block with the object in it, and the
  // object's buffers.
  const size_t bytes = sizeof(std::pair<const std::string, Entry>) + StringHeapBytes(owner) +
                       2 * sizeof(void*) + sizeof(IndexedRegistries) + registries.HeapBytes();
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
