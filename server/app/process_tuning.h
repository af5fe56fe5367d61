// Process-wide settings that make the hot path cheaper without changing behaviour.
#pragma once

namespace registry::app {

// Call first thing in main(), before any absl::Mutex is taken: turns absl::Mutex deadlock
// detection off. Debian's abseil keeps it on, which maintains a global lock graph on every
// lock acquisition (visible in the Resolve profile); the lock order here is fixed by design.
void TuneProcessForServing();

}  // namespace registry::app
