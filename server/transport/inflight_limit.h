// InflightLimit: bounds how many callback-served calls are being worked on at once. Callback
// handlers have no thread pool to exhaust, so without it a flood of calls would queue work
// (and memory) without bound; past the limit a call is refused at once.
#pragma once

#include <grpcpp/support/status.h>

#include <atomic>

namespace registry::transport {

// Thread-safe.
class InflightLimit final {
 public:
  // REQUIRES: limit >= 1.
  explicit InflightLimit(int limit) : limit_(limit) {}

  // Takes a slot; false (nothing taken) when `limit` calls are already in flight.
  bool TryAcquire() {
    if (inflight_.fetch_add(1, std::memory_order_relaxed) < limit_) return true;
    inflight_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  // Returns a slot taken by a successful TryAcquire.
  void Release() { inflight_.fetch_sub(1, std::memory_order_relaxed); }

  // The RESOURCE_EXHAUSTED status a refused call gets.
  grpc::Status Refusal() const;

 private:
  const int limit_;
  std::atomic<int> inflight_{0};
};

}  // namespace registry::transport
