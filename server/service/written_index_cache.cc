#include "server/service/written_index_cache.h"

#include <algorithm>
#include <utility>

namespace registry::service {
namespace {

// An empty index still counts, so a flood of owners without registries stays bounded too.
size_t CostOf(const core::storage_v1::RegistryIndex& index) {
  return std::max(1, index.entries_size());
}

}  // namespace

WrittenIndexCache::WrittenIndexCache(size_t capacity_entries)
    : capacity_entries_(std::max<size_t>(1, capacity_entries)) {}

std::optional<core::storage_v1::RegistryIndex> WrittenIndexCache::Take(const std::string& owner) {
  std::optional<core::storage_v1::RegistryIndex> taken;
  {
    absl::MutexLock lock(&mu_);
    auto it = indexes_.find(owner);
    if (it == indexes_.end()) return std::nullopt;
    entries_ -= CostOf(it->second);
    taken.emplace(std::move(it->second));
    indexes_.erase(it);
  }
  return taken;
}

void WrittenIndexCache::Keep(const std::string& owner, core::storage_v1::RegistryIndex index) {
  const size_t cost = CostOf(index);
  if (cost > capacity_entries_) return;
  absl::flat_hash_map<std::string, core::storage_v1::RegistryIndex> dropped;  // Freed unlocked.
  absl::MutexLock lock(&mu_);
  auto found = indexes_.find(owner);
  const size_t replaced = found == indexes_.end() ? 0 : CostOf(found->second);
  if (entries_ - replaced + cost > capacity_entries_) {
    // Full: start over. (Evicting one entry at a time from a swiss table's begin() gets slower
    // with every erase, as the leading slots empty out.)
    dropped.swap(indexes_);
    entries_ = 0;
  }
  auto [it, inserted] = indexes_.try_emplace(owner);
  if (!inserted) entries_ -= CostOf(it->second);
  it->second.Swap(&index);  // The replaced index is destroyed with `index`, after the lock.
  entries_ += cost;
}

size_t WrittenIndexCache::owners() const {
  absl::MutexLock lock(&mu_);
  return indexes_.size();
}

size_t WrittenIndexCache::entries() const {
  absl::MutexLock lock(&mu_);
  return entries_;
}

}  // namespace registry::service
