// Await: the blocking form of an asynchronous use case, for callers that may block (sync
// handlers, tools, tests). REQUIRES: not called on the thread that reports the outcome (a
// barrier callback), which would wait for itself.
#pragma once

#include <utility>

#include "absl/synchronization/notification.h"

namespace registry::service {

// Calls `start(done)` and waits until the use case calls `done(Result)`; returns that result.
template <typename Result, typename Start>
Result Await(Start start) {
  Result result;
  absl::Notification finished;
  start([&](Result outcome) {
    result = std::move(outcome);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

}  // namespace registry::service
