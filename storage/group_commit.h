// GroupCommitter: durable writes that do not block their caller. Batches submitted while a
// store write is in progress are merged into the next one, so one sync covers every batch
// that arrived meanwhile (group commit) and no caller thread waits on the disk.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "storage/kv_store.h"

namespace registry::storage {

class GroupCommitter final {
 public:
  // Applies one merged batch atomically and durably (e.g. KvStore::Write); called on the
  // committer's own thread only.
  using WriteFunction = std::function<absl::Status(const WriteBatch&)>;
  // Receives the outcome of one submitted batch; called exactly once, on the committer's thread
  // (or on the destructor's, for batches still queued at shutdown). Must not block for long:
  // the next group waits for it.
  using Done = std::function<void(absl::Status)>;

  // Starts the committer thread. Each write merges at most `max_group_mutations` mutations
  // (a single larger batch is still written whole).
  explicit GroupCommitter(WriteFunction write, size_t max_group_mutations = 4096);
  // Writes everything still queued, reports it, then stops the thread.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues `batch`; `done` gets OK once it is durable, or the write's error (then nothing of
  // the batch was applied: merged batches succeed or fail together, each all-or-nothing).
  // Batches submitted from one thread are applied in submission order.
  void Submit(WriteBatch batch, Done done);

 private:
  struct Pending {
    WriteBatch batch;
    Done done;
  };

  void Run();
  // Takes the next group off the queue (waits for work); empty when stopping with none left.
  std::vector<Pending> NextGroup();

  const WriteFunction write_;
  const size_t max_group_mutations_;
  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace registry::storage
