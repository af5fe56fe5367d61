// GroupCommitter: durable writes that do not block their caller. Batches submitted while a
// store write is in progress are merged into the next one, so one sync covers every batch
// that arrived meanwhile (group commit) and no caller thread waits on the disk. A second
// thread reports written groups, so callbacks overlap with the next write.
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
  // Receives the outcome of one submitted batch; called exactly once, on the committer's
  // reporter thread (which runs a group's callbacks while the next group is being written), in
  // write order. Must not block for long: later callbacks wait for it.
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

  // A written group and the outcome its callbacks get.
  struct WrittenGroup {
    std::vector<Pending> group;
    absl::Status written;
  };

  void Run();     // The committer thread: merges and writes groups.
  void Report();  // The reporter thread: runs each written group's callbacks, in order.
  // Takes the next group off the queue (waits for work); empty when stopping with none left.
  std::vector<Pending> NextGroup();

  const WriteFunction write_;
  const size_t max_group_mutations_;
  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex report_mu_;
  std::deque<WrittenGroup> reports_ ABSL_GUARDED_BY(report_mu_);
  bool reporter_stopping_ ABSL_GUARDED_BY(report_mu_) = false;
  std::thread reporter_;
  std::thread thread_;
};

}  // namespace registry::storage
