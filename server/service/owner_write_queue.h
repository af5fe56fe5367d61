// OwnerWriteQueue: serializes the writes of each owner (read the owner's index, check, stage,
// commit) without holding a thread across the durable commit. A write takes the owner's turn,
// and gives it back once its commit has reported — from whichever thread that happens on (for
// an asynchronous write, the barrier's committer thread). Writes of different owners never wait
// for each other; writes of one owner run in the order they asked for the turn.
#pragma once

#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace registry::service {

class OwnerWriteQueue final {
 public:
  // The owner's turn, held by one write at a time. Move-only; Release (or destruction) passes
  // the turn to the owner's next waiting write, which then runs on the releasing thread.
  class Turn final {
   public:
    Turn() = default;
    Turn(Turn&& other) noexcept;
    Turn& operator=(Turn&& other) noexcept;
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    ~Turn() { Release(); }

    // Gives the turn back; idempotent.
    void Release();

   private:
    friend class OwnerWriteQueue;
    Turn(OwnerWriteQueue* queue, std::string owner) : queue_(queue), owner_(std::move(owner)) {}

    OwnerWriteQueue* queue_ = nullptr;
    std::string owner_;
  };
  using Task = absl::AnyInvocable<void(Turn) &&>;

  OwnerWriteQueue() = default;
  OwnerWriteQueue(const OwnerWriteQueue&) = delete;
  OwnerWriteQueue& operator=(const OwnerWriteQueue&) = delete;
  // REQUIRES: no turn is held or waited for.
  ~OwnerWriteQueue() = default;

  // Runs `task` with `owner`'s turn: at once on this thread when no write of `owner` holds it,
  // else on the thread that releases the turn before it. `task` must eventually release the turn
  // it is given (destroying it does); it must not block waiting for another write of `owner`.
  void Run(const std::string& owner, Task task);

  // Blocks until this caller holds `owner`'s turn. REQUIRES: not called from a barrier callback
  // (a turn released there would wait for the blocked thread).
  Turn Wait(const std::string& owner);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    absl::Mutex mu;
    // An owner is present while a write holds its turn; the deque holds the writes waiting.
    absl::flat_hash_map<std::string, std::deque<Task>> busy ABSL_GUARDED_BY(mu);
  };

  Shard& ShardOf(const std::string& owner);
  // Passes `owner`'s turn on (see Turn::Release).
  void Pass(const std::string& owner);

  Shard shards_[kShards];
};

}  // namespace registry::service
