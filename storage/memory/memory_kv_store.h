// MemoryKvStore: an in-process KvStore over a std::map, for tests and ephemeral runs.
// Nothing is persisted; "durable" means visible to every later call on the same object.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/kv_store.h"

namespace registry::storage {

// Ordered in-memory KvStore. Never fails except on allocation failure (which aborts).
// Thread safety: all methods are safe to call concurrently; one mutex serializes them, so
// batches are atomic and Scan sees a consistent snapshot.
class MemoryKvStore final : public KvStore {
 public:
  MemoryKvStore() = default;

  // KvStore:
  absl::StatusOr<std::string> Get(std::string_view key) override;
  absl::Status Write(const WriteBatch& batch) override;
  absl::StatusOr<std::vector<KeyValue>> Scan(std::string_view prefix, std::string_view start_after,
                                             size_t limit) override;

 private:
  absl::Mutex mu_;
  // std::less<> allows lookups by std::string_view without a copy.
  std::map<std::string, std::string, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace registry::storage
