// CallWorker: posted work runs in order on the worker's own thread, and destroying the worker
// runs everything already posted before it returns.
#include "server/transport/call_worker.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace registry::transport {
namespace {

TEST(CallWorkerTest, RunsPostedWorkInOrderOffTheCallingThread) {
  CallWorker worker;
  absl::Mutex mu;
  std::vector<int> ran;
  std::vector<std::thread::id> threads;
  absl::Notification done;
  for (int i = 0; i < 100; ++i) {
    worker.Post([&, i] {
      absl::MutexLock lock(&mu);
      ran.push_back(i);
      threads.push_back(std::this_thread::get_id());
      if (i == 99) done.Notify();
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  absl::MutexLock lock(&mu);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ran[i], i);
  for (const std::thread::id& id : threads) {
    EXPECT_NE(id, std::this_thread::get_id());
    EXPECT_EQ(id, threads.front()) << "one worker thread";
  }
}

TEST(CallWorkerTest, DestroyingRunsWhatWasPostedFirst) {
  absl::Notification release;
  int ran = 0;  // Written on the worker thread only; read after the join.
  std::thread releaser;
  {
    CallWorker worker;
    worker.Post([&] { release.WaitForNotification(); });  // Holds the worker.
    for (int i = 0; i < 10; ++i) worker.Post([&] { ++ran; });
    releaser = std::thread([&] {
      absl::SleepFor(absl::Milliseconds(50));
      release.Notify();
    });
  }  // The destructor waits for the held item and the ten behind it.
  EXPECT_EQ(ran, 10);
  releaser.join();
}

}  // namespace
}  // namespace registry::transport
