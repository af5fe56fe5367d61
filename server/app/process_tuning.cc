#include "server/app/process_tuning.h"

#include "absl/synchronization/mutex.h"

namespace registry::app {

void TuneProcessForServing() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace registry::app
