#include "storage/group_commit.h"

#include <utility>

namespace registry::storage {

GroupCommitter::GroupCommitter(WriteFunction write, size_t max_group_mutations)
    : write_(std::move(write)), max_group_mutations_(max_group_mutations) {
  reporter_ = std::thread([this] { Report(); });
  thread_ = std::thread([this] { Run(); });
}

GroupCommitter::~GroupCommitter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();  // Everything queued is written and handed to the reporter.
  {
    absl::MutexLock lock(&report_mu_);
    reporter_stopping_ = true;
  }
  reporter_.join();
}

void GroupCommitter::Submit(WriteBatch batch, Done done) {
  absl::MutexLock lock(&mu_);
  queue_.push_back({std::move(batch), std::move(done)});
}

std::vector<GroupCommitter::Pending> GroupCommitter::NextGroup() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](GroupCommitter* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
        return self->stopping_ || !self->queue_.empty();
      },
      this));
  std::vector<Pending> group;
  size_t mutations = 0;
  while (!queue_.empty() && (group.empty() || mutations + queue_.front().batch.mutations.size() <=
                                                  max_group_mutations_)) {
    mutations += queue_.front().batch.mutations.size();
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return group;
}

void GroupCommitter::Run() {
  while (true) {
    std::vector<Pending> group = NextGroup();
    if (group.empty()) return;  // Stopping, and everything queued has been written.
    absl::Status written;
    if (group.size() == 1) {
      written = write_(group.front().batch);
    } else {
      WriteBatch merged;
      for (Pending& pending : group) {
        for (KvMutation& mutation : pending.batch.mutations) {
          merged.mutations.push_back(std::move(mutation));
        }
      }
      written = write_(merged);
    }
    // The reporter runs the callbacks while this thread writes the next group.
    absl::MutexLock lock(&report_mu_);
    reports_.push_back({std::move(group), std::move(written)});
  }
}

void GroupCommitter::Report() {
  while (true) {
    std::deque<WrittenGroup> reports;
    {
      absl::MutexLock lock(&report_mu_);
      report_mu_.Await(absl::Condition(
          +[](GroupCommitter* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->report_mu_) {
            return self->reporter_stopping_ || !self->reports_.empty();
          },
          this));
      if (reports_.empty()) return;  // Stopping, and everything has been reported.
      reports.swap(reports_);
    }
    for (WrittenGroup& report : reports) {
      for (Pending& pending : report.group) pending.done(report.written);
    }
  }
}

}  // namespace registry::storage
