// MemoryKvStore implementation: every operation holds one mutex for its whole duration.
#include "storage/memory/memory_kv_store.h"

#include <utility>

namespace registry::storage {

absl::StatusOr<std::string> MemoryKvStore::Get(std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return absl::NotFoundError("key not found");
  return it->second;
}

absl::Status MemoryKvStore::Write(const WriteBatch& batch) {
  absl::MutexLock lock(&mu_);
  for (const KvMutation& m : batch.mutations) {
    switch (m.kind) {
      case KvMutation::Kind::kPut:
        entries_.insert_or_assign(m.key, m.value);
        break;
      case KvMutation::Kind::kDelete:
        if (auto it = entries_.find(m.key); it != entries_.end()) entries_.erase(it);
        break;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<KeyValue>> MemoryKvStore::Scan(std::string_view prefix,
                                                          std::string_view start_after,
                                                          size_t limit) {
  absl::MutexLock lock(&mu_);
  std::vector<KeyValue> out;
  // First candidate: the first key >= prefix, or > start_after when that lies further on.
  auto it = (start_after.empty() || start_after < prefix) ? entries_.lower_bound(prefix)
                                                          : entries_.upper_bound(start_after);
  for (; it != entries_.end(); ++it) {
    if (!std::string_view(it->first).starts_with(prefix)) break;
    out.push_back({it->first, it->second});
    if (limit != 0 && out.size() >= limit) break;
  }
  return out;
}

}  // namespace registry::storage
