// OwnerWriteQueue: one write per owner at a time, in order, the turn passed on by whichever
// thread releases it; other owners never wait; long queues do not nest stack frames.
#include "server/service/owner_write_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace registry::service {
namespace {

using ::testing::ElementsAre;

TEST(OwnerWriteQueueTest, OneOwnersWritesRunOneAtATimeInOrder) {
  OwnerWriteQueue queue;
  std::vector<std::string> ran;
  std::optional<OwnerWriteQueue::Turn> first, second;
  queue.Run("users/alice", [&](OwnerWriteQueue::Turn turn) {
    ran.push_back("first");
    first = std::move(turn);
  });
  queue.Run("users/alice", [&](OwnerWriteQueue::Turn turn) {
    ran.push_back("second");
    second = std::move(turn);
  });
  queue.Run("users/alice", [&](OwnerWriteQueue::Turn) { ran.push_back("third"); });
  EXPECT_THAT(ran, ElementsAre("first"));  // The others wait for the turn.

  first->Release();
  EXPECT_THAT(ran, ElementsAre("first", "second"));  // Run by the releasing thread.
  first->Release();  // Idempotent: does not pass the turn a second time.
  EXPECT_THAT(ran, ElementsAre("first", "second"));

  second.reset();  // Destroying the turn releases it.
  EXPECT_THAT(ran, ElementsAre("first", "second", "third"));

  // The third task dropped its turn: the owner is idle again, the next write runs at once.
  queue.Run("users/alice", [&](OwnerWriteQueue::Turn) { ran.push_back("fourth"); });
  EXPECT_THAT(ran, ElementsAre("first", "second", "third", "fourth"));
}

TEST(OwnerWriteQueueTest, OtherOwnersDoNotWait) {
  OwnerWriteQueue queue;
  std::optional<OwnerWriteQueue::Turn> alice;
  queue.Run("users/alice", [&](OwnerWriteQueue::Turn turn) { alice = std::move(turn); });
  bool bob_ran = false;
  queue.Run("users/bob", [&](OwnerWriteQueue::Turn) { bob_ran = true; });
  EXPECT_TRUE(bob_ran);
  // A user and a group of the same id are different owners.
  bool group_ran = false;
  queue.Run("groups/alice", [&](OwnerWriteQueue::Turn) { group_ran = true; });
  EXPECT_TRUE(group_ran);
}

TEST(OwnerWriteQueueTest, WaitBlocksUntilTheTurnIsReleasedOnAnotherThread) {
  OwnerWriteQueue queue;
  std::optional<OwnerWriteQueue::Turn> held;
  queue.Run("users/alice", [&](OwnerWriteQueue::Turn turn) { held = std::move(turn); });
  absl::Notification granted;
  std::thread waiter([&] {
    OwnerWriteQueue::Turn turn = queue.Wait("users/alice");
    granted.Notify();
  });
  // Not granted while the turn is held (a broken queue would grant it within this time).
  EXPECT_FALSE(granted.WaitForNotificationWithTimeout(absl::Milliseconds(100)));
  std::thread releaser([&] { held.reset(); });
  releaser.join();
  granted.WaitForNotification();
  waiter.join();
  // The waiter's turn was released when it went out of scope.
  bool ran = false;
  queue.Run("users/alice", [&](OwnerWriteQueue::Turn) { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(OwnerWriteQueueTest, ALongQueueIsDrainedWithoutNestingFrames) {
  // Each queued write finishes inside its task (as a refused create does): passing the turn
  // from inside a task must not recurse once per write, or a long queue overflows the stack.
  constexpr int kWrites = 200000;
  OwnerWriteQueue queue;
  std::optional<OwnerWriteQueue::Turn> first;
  queue.Run("users/alice", [&](OwnerWriteQueue::Turn turn) { first = std::move(turn); });
  int ran = 0;
  for (int i = 0; i < kWrites; ++i) {
    queue.Run("users/alice", [&](OwnerWriteQueue::Turn turn) {
      ++ran;
      turn.Release();
    });
  }
  first.reset();
  EXPECT_EQ(ran, kWrites);
}

TEST(OwnerWriteQueueTest, ConcurrentWritersOfOneOwnerNeverOverlap) {
  OwnerWriteQueue queue;
  std::atomic<int> inside{0}, overlaps{0}, done{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        OwnerWriteQueue::Turn turn = queue.Wait("users/alice");
        if (inside.fetch_add(1) != 0) ++overlaps;
        inside.fetch_sub(1);
        ++done;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(done.load(), 8 * 2000);
}

}  // namespace
}  // namespace registry::service
