// WrittenIndexCache: the decoded stored registry index of owners written recently, so the next
// write of the same owner skips reading, opening and decoding `x/{owner}/` (a create of an owner
// with n registries otherwise reads and parses all n entries). Used only by a write holding the
// owner's turn (OwnerWriteQueue), which makes the entry exclusively its own:
//   index = Take(owner) or the stored index; stage the change; once the batch is durable,
//   Keep(owner, changed index). A write that fails keeps nothing, so the next one reads the store.
// Entries move in and out (never copied). Bounded by a total number of index entries; a Keep
// that would pass it drops everything first (the next write of each owner reads its index once
// more). Holds match keys and ids only, never a secret. Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/core/registry_index.h"

namespace registry::service {

class WrittenIndexCache final {
 public:
  // Holds at most about `capacity_entries` index entries over all owners (REQUIRES: > 0).
  explicit WrittenIndexCache(size_t capacity_entries);
  WrittenIndexCache(const WrittenIndexCache&) = delete;
  WrittenIndexCache& operator=(const WrittenIndexCache&) = delete;

  // Removes and returns `owner`'s index, if cached. REQUIRES: the caller holds the owner's turn.
  std::optional<core::storage_v1::RegistryIndex> Take(const std::string& owner);
  // Caches `index` as `owner`'s stored index. REQUIRES: the caller holds the owner's turn and
  // `index` is exactly what its durable write stored (an empty index for none).
  void Keep(const std::string& owner, core::storage_v1::RegistryIndex index);

  // Owners and index entries cached now (for tests).
  size_t owners() const;
  size_t entries() const;

 private:
  const size_t capacity_entries_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, core::storage_v1::RegistryIndex> indexes_ ABSL_GUARDED_BY(mu_);
  size_t entries_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace registry::service
