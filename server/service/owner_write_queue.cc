#include "server/service/owner_write_queue.h"

#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/synchronization/notification.h"

namespace registry::service {
namespace {

// Tasks handed a turn while this thread is already running a task that was handed one: they
// run after it, from the outermost Pass, instead of nesting a stack frame per queued write.
struct Trampoline {
  bool draining = false;
  std::vector<absl::AnyInvocable<void() &&>> pending;
};
thread_local Trampoline trampoline;

}  // namespace

OwnerWriteQueue::Turn::Turn(Turn&& other) noexcept
    : queue_(std::exchange(other.queue_, nullptr)), owner_(std::move(other.owner_)) {}

OwnerWriteQueue::Turn& OwnerWriteQueue::Turn::operator=(Turn&& other) noexcept {
  if (this != &other) {
    Release();
    queue_ = std::exchange(other.queue_, nullptr);
    owner_ = std::move(other.owner_);
  }
  return *this;
}

void OwnerWriteQueue::Turn::Release() {
  if (OwnerWriteQueue* queue = std::exchange(queue_, nullptr); queue != nullptr) {
    queue->Pass(owner_);
  }
}

OwnerWriteQueue::Shard& OwnerWriteQueue::ShardOf(const std::string& owner) {
  return shards_[absl::HashOf(owner) % kShards];
}

void OwnerWriteQueue::Run(const std::string& owner, Task task) {
  Shard& shard = ShardOf(owner);
  {
    absl::MutexLock lock(&shard.mu);
    auto [it, idle] = shard.busy.try_emplace(owner);
    if (!idle) {
      it->second.push_back(std::move(task));
      return;
    }
  }
  std::move(task)(Turn(this, owner));
}

OwnerWriteQueue::Turn OwnerWriteQueue::Wait(const std::string& owner) {
  absl::Notification granted;
  Turn held;
  Run(owner, [&](Turn turn) {
    held = std::move(turn);
    granted.Notify();
  });
  granted.WaitForNotification();
  return held;
}

void OwnerWriteQueue::Pass(const std::string& owner) {
  Task next;
  {
    Shard& shard = ShardOf(owner);
    absl::MutexLock lock(&shard.mu);
    auto it = shard.busy.find(owner);
    if (it->second.empty()) {
      shard.busy.erase(it);
      return;
    }
    next = std::move(it->second.front());
    it->second.pop_front();
  }
  trampoline.pending.push_back([next = std::move(next), turn = Turn(this, owner)]() mutable {
    std::move(next)(std::move(turn));
  });
  if (trampoline.draining) return;
  trampoline.draining = true;
  while (!trampoline.pending.empty()) {
    absl::AnyInvocable<void()&&> task = std::move(trampoline.pending.back());
    trampoline.pending.pop_back();
    std::move(task)();
  }
  trampoline.draining = false;
}

}  // namespace registry::service
