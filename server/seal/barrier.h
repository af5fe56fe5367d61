// Barrier: the only way the service layer reaches storage. It exposes plaintext values and
// seals every one of them before it reaches the KvStore (see server/seal/README.md).
// Keys are not secret and pass through unchanged. Keys under `m/barrier/` belong to the
// barrier itself: Get and Write on them are INVALID_ARGUMENT, and Scan/ScanKeys/RewrapBatch/
// CountValuesByTerm never return, touch or count them. Implementations are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace registry::seal {

// The outcome of one Barrier::RewrapBatch call.
struct RewrapProgress {
  std::string next_start_after;  // Resume point: pass back to continue; empty when done.
  uint64_t scanned = 0;          // Values examined in this batch.
  uint64_t rewrapped = 0;        // Values re-sealed under the current term in this batch.
  bool done = false;             // True when the whole key space has been visited.
};

// Plaintext view of a KvStore: every value is sealed on the way down and opened on the way up.
class Barrier {
 public:
  Barrier() = default;
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  virtual ~Barrier() = default;

  // NOT_FOUND when absent; DATA_LOSS when the stored value fails to open.
  virtual absl::StatusOr<std::string> Get(std::string_view key) = 0;
  // Seals every put value under the current term and applies the batch atomically and durably,
  // merged with concurrent writes into one store write (see WriteAsync); blocks until durable.
  // An error fails every batch of that merged write, each batch all-or-nothing. REQUIRES: not
  // called from a WriteAsync callback (it would wait for its own thread).
  virtual absl::Status Write(const storage::WriteBatch& batch) = 0;
  // Write without blocking the caller: seals `batch` on the calling thread (and wipes its
  // plaintext values), then applies it on
  // the barrier's committer thread, merged with the other WriteAsync batches queued meanwhile
  // into one durable store write (group commit). `done` runs exactly once, on that thread, with
  // OK once the batch is durable, or the error (then nothing of the batch was applied); it must
  // not block. Reserved keys fail at once (INVALID_ARGUMENT, `done` on the calling thread).
  // Batches still queued when the barrier is destroyed are written and reported first.
  virtual void WriteAsync(storage::WriteBatch batch, std::function<void(absl::Status)> done) = 0;
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

  // Re-seals, under the current term, up to `batch_size` values after `start_after` (empty =
  // from the beginning) that are sealed under an older term; values already current are
  // skipped. Keys under `m/barrier/` are neither examined nor counted.
  // Online: concurrent Get/Write/Scan keep working, and a concurrent Write (or Delete) is never
  // overwritten by a stale rewrap: a value is only replaced if its stored bytes are still the
  // ones that were re-sealed, checked under a lock that excludes concurrent Writes for the
  // duration of the batch's own (single, atomic, durable) store write.
  // Resumable: callers loop, passing back `next_start_after`, until `done`. Idempotent: a value
  // already under the current term is left alone. Values written concurrently under a term that
  // was current when their Write started may still be older than CurrentTerm() afterwards; a
  // later pass picks them up.
  // REQUIRES: batch_size > 0 (INVALID_ARGUMENT otherwise).
  // Errors: DATA_LOSS naming the key when a value in the batch fails to open (the batch is then
  // not applied: fix or delete that record, or resume after it); anything the store returns.
  virtual absl::StatusOr<RewrapProgress> RewrapBatch(std::string_view start_after,
                                                     size_t batch_size) = 0;

  // Counts of stored values per key term (keys under m/barrier/ excluded), from a full scan of
  // the value headers (nothing is opened). Not a snapshot: under concurrent writes or rewraps
  // the counts may mix before and after states. DATA_LOSS naming the key when a value is not a
  // sealed value at all (truncated or unknown format version); anything the store returns.
  virtual absl::StatusOr<std::map<uint32_t, uint64_t>> CountValuesByTerm() = 0;

  // A keyed BLAKE2b fingerprint (lowercase hex, 32 chars = 16 bytes) of `secret`, with a key
  // derived from the master key (crypto_kdf, fixed context), so audit events can identify a
  // secret version without storing it. Deterministic for the same current master key: stable
  // across restarts and data key rotations, different after a master key change. The result
  // reveals nothing about `secret` to someone without the master key. Never fails.
  virtual std::string Fingerprint(std::string_view secret) const = 0;
};

using BarrierPtr = std::unique_ptr<Barrier>;

}  // namespace registry::seal
