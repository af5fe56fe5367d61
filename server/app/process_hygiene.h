// Process-wide hardening for a process that holds keys and secrets.
#pragma once

#include "absl/status/status.h"

namespace registry::app {

// Disables core dumps (RLIMIT_CORE 0) and marks the process non-dumpable
// (prctl(PR_SET_DUMPABLE, 0): no core, no ptrace attach by same-uid processes). Call once at
// startup, before any key is loaded.
absl::Status DisableCoreDumps();

}  // namespace registry::app
