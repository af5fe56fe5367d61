// The stored per-owner registry indexes (core/registry_index.h): reading one, and
// EnsureRegistryIndexes, which makes sure every owner's index exists before the service
// answers, so data dirs written before indexes existed keep resolving.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/core/names.h"
#include "server/core/registry_index.h"
#include "server/seal/barrier.h"

namespace registry::service {

// `owner`'s stored registry index; empty when the owner has none. DATA_LOSS naming the key
// when it does not parse; anything the barrier returns.
absl::StatusOr<core::storage_v1::RegistryIndex> LoadRegistryIndex(seal::Barrier& barrier,
                                                                  const core::OwnerName& owner);

// When core::kRegistryIndexesReadyKey is present: does nothing (one point read). Otherwise
// rebuilds every owner's index from the stored records (one scan of r/, an atomic write per
// owner) and then writes that key, so a crash midway simply rebuilds again. DATA_LOSS naming
// the key when a record does not open or parse; anything the barrier returns.
// REQUIRES: no concurrent registry writes (call before serving).
absl::Status EnsureRegistryIndexes(seal::Barrier& barrier);

}  // namespace registry::service
