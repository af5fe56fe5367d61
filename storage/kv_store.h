// KvStore: the storage seam. Keys and values are opaque bytes; this layer knows nothing about
// registries, sealing or owners. Everything above storage/ talks to a KvStore only through
// server/seal (the barrier), which seals every value before it reaches this interface.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace registry::storage {

// One change inside a WriteBatch.
struct KvMutation {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // Empty for kDelete.
};

// A group of mutations applied all-or-nothing, in order: a later mutation of a key replaces an
// earlier one. (Being atomic, mutations of different keys may be applied in any order.)
struct WriteBatch {
  std::vector<KvMutation> mutations;

  void Put(std::string key, std::string value) {
    mutations.push_back({KvMutation::Kind::kPut, std::move(key), std::move(value)});
  }
  void Delete(std::string key) {
    mutations.push_back({KvMutation::Kind::kDelete, std::move(key), {}});
  }
};

struct KeyValue {
  std::string key;
  std::string value;
};

// Ordered key-value store with atomic, durable batches.
// Thread safety: every method may be called concurrently from any thread.
class KvStore {
 public:
  virtual ~KvStore() = default;
  KvStore() = default;
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  // Returns the value stored under `key`; NOT_FOUND when there is none; UNAVAILABLE or
  // DATA_LOSS when the backend fails.
  virtual absl::StatusOr<std::string> Get(std::string_view key) = 0;

  // Applies every mutation of `batch` atomically. When it returns OK the batch is durable
  // (a crash after the return loses nothing); concurrent callers may share one sync.
  // On error nothing of the batch is applied.
  virtual absl::Status Write(const WriteBatch& batch) = 0;

  // Returns up to `limit` entries whose key starts with `prefix` and is strictly greater than
  // `start_after` (ignored when empty), in ascending byte order of the key. A `limit` of 0
  // means no limit. The result is a consistent snapshot.
  virtual absl::StatusOr<std::vector<KeyValue>> Scan(std::string_view prefix,
                                                     std::string_view start_after,
                                                     size_t limit) = 0;
};

using KvStorePtr = std::unique_ptr<KvStore>;

}  // namespace registry::storage
