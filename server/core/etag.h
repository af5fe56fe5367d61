// Etags of stored Registry records (AIP-154).
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>

#include "cloudmanager/registry/v1/registry.pb.h"

namespace registry::core {

namespace v1 = ::cloudmanager::registry::v1;

// Returns 32 lowercase hex characters: the 16-byte keyless BLAKE2b of the
// deterministic serialization of `stored` with its `etag` field and all secret
// fields (password, oauth2_token, json_token) cleared. Secrets are left out on
// purpose: a keyless hash of a password would be an offline-guessing oracle;
// `secret_update_time` (and `secret_set`) are hashed instead, so a secret
// change still changes the etag when the caller bumps secret_update_time.
// Stable for equal records within one build (deterministic serialization is
// not promised across protobuf versions, so store the etag, don't recompute
// it to compare across upgrades).
std::string ComputeEtag(const v1::Registry& stored);

// ComputeEtag(record) without copying the record: the etag and secret fields are set aside
// (swapped out, never copied) while the rest is serialized, then put back. `record` is as it
// was on return.
std::string ComputeEtagInPlace(v1::Registry& record);

}  // namespace registry::core
