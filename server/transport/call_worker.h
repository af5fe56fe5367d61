// CallWorker: one thread for the work of callback-served calls that block for long (AdminService's
// backups, key rotations and rewrap pages), so they never hold one of gRPC's few callback threads,
// which every other call needs. Work runs in arrival order.
#pragma once

#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace registry::transport {

// Thread-safe. The caller bounds how much is posted (an InflightLimit).
class CallWorker final {
 public:
  CallWorker();
  // Runs everything already posted, then joins the thread.
  ~CallWorker();
  CallWorker(const CallWorker&) = delete;
  CallWorker& operator=(const CallWorker&) = delete;

  // Queues `work` to run on the worker thread.
  void Post(std::function<void()> work);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // Last: starts once the members above exist.
};

}  // namespace registry::transport
