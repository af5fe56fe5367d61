// Helpers shared by the barrier tests: a KvStore handle over a shared MemoryKvStore (so a test
// keeps the raw data across barriers and can read and plant raw bytes), with an optional hook
// that runs after every Scan, and master keys from key lines.
#pragma once

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/seal/master_key.h"
#include "storage/kv_store.h"
#include "storage/memory/memory_kv_store.h"

namespace registry::seal::test_util {

// Forwards to a shared MemoryKvStore. Thread-safe.
class SharedStore final : public storage::KvStore {
 public:
  // Runs after the inner Scan returned, before the caller sees the result; may call back into
  // the barrier (no barrier lock is held while a barrier scans).
  using ScanHook = std::function<void()>;
  // Runs on the writing thread before each Write reaches the inner store.
  using WriteHook = std::function<void()>;

  explicit SharedStore(std::shared_ptr<storage::MemoryKvStore> inner,
                       std::shared_ptr<ScanHook> after_scan = nullptr,
                       std::shared_ptr<WriteHook> before_write = nullptr)
      : inner_(std::move(inner)),
        after_scan_(std::move(after_scan)),
        before_write_(std::move(before_write)) {}

  // KvStore:
  absl::StatusOr<std::string> Get(std::string_view key) override { return inner_->Get(key); }
  absl::Status Write(const storage::WriteBatch& batch) override {
    if (before_write_ != nullptr && *before_write_) (*before_write_)();
    return inner_->Write(batch);
  }
  absl::StatusOr<std::vector<storage::KeyValue>> Scan(std::string_view prefix,
                                                      std::string_view start_after,
                                                      size_t limit) override {
    absl::StatusOr<std::vector<storage::KeyValue>> out = inner_->Scan(prefix, start_after, limit);
    if (after_scan_ != nullptr && *after_scan_) (*after_scan_)();
    return out;
  }

 private:
  std::shared_ptr<storage::MemoryKvStore> inner_;
  std::shared_ptr<ScanHook> after_scan_;
  std::shared_ptr<WriteHook> before_write_;
};

// Master keys parsed from `lines`, first line current. Aborts on a malformed line.
inline MasterKeys Keys(const std::vector<std::string>& lines) {
  std::string file;
  for (const std::string& line : lines) file += line + "\n";
  absl::StatusOr<MasterKeys> keys = ParseMasterKeys(file);
  if (!keys.ok()) std::abort();
  return std::move(*keys);
}

}  // namespace registry::seal::test_util
