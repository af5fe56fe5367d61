// Barrier: the only way the service layer reaches storage. It exposes plaintext values and
// seals every one of them before it reaches the KvStore (see server/seal/README.md).
// Keys are not secret and pass through unchanged. Keys under `m/barrier/` belong to the
// barrier itself: Get and Write on them are INVALID_ARGUMENT, and Scan/ScanKeys never
// return them. Implementations are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace registry::seal {

// Plaintext view of a KvStore: every value is sealed on the way down and opened on the way up.
class Barrier {
 public:
  Barrier() = default;
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  virtual ~Barrier() = default;

  // NOT_FOUND when absent; DATA_LOSS when the stored value fails to open.
  virtual absl::StatusOr<std::string> Get(std::string_view key) = 0;
  // Seals every put value under the current term and applies the batch atomically and durably.
  virtual absl::Status Write(const storage::WriteBatch& batch) = 0;
  // Like KvStore::Scan, values opened; DATA_LOSS naming the key if any value fails to open.
  virtual absl::StatusOr<std::vector<storage::KeyValue>> Scan(std::string_view prefix,
                                                              std::string_view start_after,
                                                              size_t limit) = 0;
  // Keys only, nothing is opened (cheap counting/listing).
  virtual absl::StatusOr<std::vector<std::string>> ScanKeys(std::string_view prefix,
                                                            std::string_view start_after,
                                                            size_t limit) = 0;
  // Adds a keyring term; new writes use it, older terms still open. Returns the new term.
  virtual absl::StatusOr<uint32_t> RotateDataKey() = 0;
  // The term new writes are sealed under.
  virtual uint32_t CurrentTerm() const = 0;
};

using BarrierPtr = std::unique_ptr<Barrier>;

}  // namespace registry::seal
