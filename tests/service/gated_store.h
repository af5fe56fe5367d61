// Gate and GatedStore: a MemoryKvStore whose writes can be held back, for tests of what the
// asynchronous use cases do before their write is durable; OpenGatedBarrier seals one.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/seal/master_key.h"
#include "server/seal/sealed_barrier.h"
#include "storage/kv_store.h"
#include "storage/memory/memory_kv_store.h"

namespace registry::service {

// Store writes pass while it is open and wait while it is closed.
class Gate {
 public:
  void Close() {
    absl::MutexLock lock(&mu_);
    open_ = false;
  }
  void Open() {
    absl::MutexLock lock(&mu_);
    open_ = true;
  }
  void Pass() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&open_));
  }

 private:
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
};

// A MemoryKvStore whose writes go through a Gate.
class GatedStore final : public storage::KvStore {
 public:
  absl::StatusOr<std::string> Get(std::string_view key) override { return store_.Get(key); }
  absl::Status Write(const storage::WriteBatch& batch) override {
    gate_->Pass();
    return store_.Write(batch);
  }
  absl::StatusOr<std::vector<storage::KeyValue>> Scan(std::string_view prefix,
                                                      std::string_view start_after,
                                                      size_t limit) override {
    return store_.Scan(prefix, start_after, limit);
  }
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();

 private:
  storage::MemoryKvStore store_;
};

// A sealed barrier over a fresh GatedStore (under `master_key_file_text`), and its gate.
struct GatedBarrier {
  std::shared_ptr<Gate> gate;
  seal::BarrierPtr barrier;
};
inline GatedBarrier OpenGatedBarrier(std::string_view master_key_file_text) {
  auto store = std::make_unique<GatedStore>();
  std::shared_ptr<Gate> gate = store->gate_;
  return {gate,
          *seal::OpenSealedBarrier(std::move(store), *seal::ParseMasterKeys(master_key_file_text))};
}

}  // namespace registry::service
