// The per-owner registry index (storage v1 RegistryIndex): every registry's match key, parsed
// once when the registry is written, kept in the order registries are tried. Resolution reads
// this one value instead of opening every record of the owner. Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cloudmanager/registry/storage/v1/registry_index.pb.h"
#include "cloudmanager/registry/v1/registry.pb.h"
#include "server/core/matching.h"
#include "server/core/names.h"

namespace registry::core {

namespace storage_v1 = ::cloudmanager::registry::storage::v1;
namespace v1 = ::cloudmanager::registry::v1;

// Storage key of `owner`'s index: "x/users/alice/". Never a prefix of another owner's key.
std::string RegistryIndexKey(const OwnerName& owner);

// Storage key whose presence says every owner's index is complete (written by the first start
// of a version that keeps indexes; see service::EnsureRegistryIndexes).
inline constexpr std::string_view kRegistryIndexesReadyKey = "m/index/registries-v1";

// Adds `record`'s entry to `index`, replacing the entry with the same registry id, and keeps
// the entries in TriedBefore order. INVALID_ARGUMENT when the record's server or name does
// not parse (validated records always do).
absl::Status UpsertIndexEntry(storage_v1::RegistryIndex& index, const v1::Registry& record);

// Removes the entry of `registry_id`; returns whether there was one.
bool RemoveIndexEntry(storage_v1::RegistryIndex& index, std::string_view registry_id);

// The match candidate of one entry (name, parsed server key, create time).
MatchCandidate CandidateOf(const storage_v1::RegistryIndexEntry& entry);

// The try order of one entry: TryOrderOf(CandidateOf(entry)) without copying it.
TryOrderKey TryOrderOf(const storage_v1::RegistryIndexEntry& entry);

}  // namespace registry::core
