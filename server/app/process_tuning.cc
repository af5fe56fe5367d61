#include "server/app/process_tuning.h"

#include <sodium.h>

#include "absl/synchronization/mutex.h"

namespace registry::app {

void TuneProcessForServing() {
  // Must precede sodium_init() (libsodium documents it as such).
  randombytes_set_implementation(&randombytes_internal_implementation);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace registry::app
