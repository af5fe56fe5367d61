// EnsureRegistryIndexes: makes sure every owner's registry index (core/registry_index.h)
// exists before the service answers, so data dirs written before indexes existed keep
// resolving. Run once at startup, before serving.
#pragma once

#include "absl/status/status.h"
#include "server/seal/barrier.h"

namespace registry::service {

// When core::kRegistryIndexesReadyKey is present: does nothing (one point read). Otherwise
// rebuilds every owner's index from the stored records (one scan of r/, an atomic write per
// owner) and then writes that key, so a crash midway simply rebuilds again. DATA_LOSS naming
// the key when a record does not open or parse; anything the barrier returns.
// REQUIRES: no concurrent registry writes (call before serving).
absl::Status EnsureRegistryIndexes(seal::Barrier& barrier);

}  // namespace registry::service
