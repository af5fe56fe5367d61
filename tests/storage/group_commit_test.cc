// GroupCommitter: batches queued during a write are merged into the next one, every batch
// gets its own outcome exactly once, and nothing queued is lost at shutdown.
#include "storage/group_commit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "storage/memory/memory_kv_store.h"

namespace registry::storage {
namespace {

WriteBatch PutOne(const std::string& key) {
  WriteBatch batch;
  batch.Put(key, "v-" + key);
  return batch;
}

TEST(GroupCommitterTest, BatchesQueuedDuringAWriteShareTheNextOne) {
  MemoryKvStore store;
  absl::Notification first_write_started, release_first_write;
  std::vector<size_t> write_sizes;  // Mutations per store write.
  absl::Mutex mu;
  GroupCommitter committer([&](const WriteBatch& batch) {
    {
      absl::MutexLock lock(&mu);
      write_sizes.push_back(batch.mutations.size());
    }
    if (!first_write_started.HasBeenNotified()) {
      first_write_started.Notify();
      release_first_write.WaitForNotification();
    }
    return store.Write(batch);
  });

  std::atomic<int> done{0};
  auto count = [&](absl::Status status) {
    EXPECT_TRUE(status.ok()) << status;
    ++done;
  };
  committer.Submit(PutOne("k0"), count);
  first_write_started.WaitForNotification();
  for (int i = 1; i <= 10; ++i) committer.Submit(PutOne("k" + std::to_string(i)), count);
  release_first_write.Notify();
  while (done.load() < 11) absl::SleepFor(absl::Milliseconds(1));

  absl::MutexLock lock(&mu);
  EXPECT_THAT(write_sizes, ::testing::ElementsAre(1u, 10u));  // Two syncs for 11 batches.
  for (int i = 0; i <= 10; ++i) {
    auto value = store.Get("k" + std::to_string(i));
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(*value, "v-k" + std::to_string(i));
  }
}

TEST(GroupCommitterTest, AFailedWriteFailsEveryBatchInItAndAppliesNothing) {
  MemoryKvStore store;
  std::atomic<bool> fail{true};
  GroupCommitter committer([&](const WriteBatch& batch) {
    if (fail.load()) return absl::UnavailableError("disk full");
    return store.Write(batch);
  });
  absl::Notification done;
  absl::Status outcome;
  committer.Submit(PutOne("a"), [&](absl::Status status) {
    outcome = status;
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_EQ(outcome.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store.Get("a").status().code(), absl::StatusCode::kNotFound);
}

TEST(GroupCommitterTest, ShutdownWritesAndReportsEverythingQueued) {
  MemoryKvStore store;
  std::atomic<int> reported{0};
  {
    GroupCommitter committer([&](const WriteBatch& batch) {
      absl::SleepFor(absl::Milliseconds(2));
      return store.Write(batch);
    });
    for (int i = 0; i < 50; ++i) {
      committer.Submit(PutOne("k" + std::to_string(i)), [&](absl::Status status) {
        EXPECT_TRUE(status.ok());
        ++reported;
      });
    }
  }  // Destroyed with most batches still queued.
  EXPECT_EQ(reported.load(), 50);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(store.Get("k" + std::to_string(i)).ok());
}

TEST(GroupCommitterTest, AGroupStopsAtTheMutationCap) {
  MemoryKvStore store;
  absl::Notification first_write_started, release_first_write;
  std::vector<size_t> write_sizes;
  absl::Mutex mu;
  GroupCommitter committer(
      [&](const WriteBatch& batch) {
        {
          absl::MutexLock lock(&mu);
          write_sizes.push_back(batch.mutations.size());
        }
        if (!first_write_started.HasBeenNotified()) {
          first_write_started.Notify();
          release_first_write.WaitForNotification();
        }
        return store.Write(batch);
      },
      /*max_group_mutations=*/4);
  std::atomic<int> done{0};
  committer.Submit(PutOne("first"), [&](absl::Status) { ++done; });
  first_write_started.WaitForNotification();
  for (int i = 0; i < 9; ++i) {
    committer.Submit(PutOne("k" + std::to_string(i)), [&](absl::Status) { ++done; });
  }
  release_first_write.Notify();
  while (done.load() < 10) absl::SleepFor(absl::Milliseconds(1));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(write_sizes, ::testing::ElementsAre(1u, 4u, 4u, 1u));
}

}  // namespace
}  // namespace registry::storage
