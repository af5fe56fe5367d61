// AIP-134 partial update of a Registry: which fields a FieldMask may name and
// how a patch is merged into the stored record.
// Pure functions, no I/O; thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "cloudmanager/registry/v1/registry.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace registry::core {

namespace v1 = ::cloudmanager::registry::v1;

// The outcome of ApplyUpdateMask.
struct UpdateResult {
  // `existing` with the masked fields taken from the patch; output-only fields
  // (name, global, times, etag, secret_set, secret_update_time) as in `existing`.
  v1::Registry merged;
  // True iff password, oauth2_token or json_token differs from `existing`.
  bool secret_changed = false;
};

// Merges the fields of `patch` named by `mask` into `existing`.
// Mutable paths: display_name, server, credential_type, username, email,
// password, oauth2_token, json_token, thumbnail_uri; a named field is copied
// even when empty (that clears it). `*` (only alone) names every mutable field,
// but the secret fields only where the patch sets them, so a full replace
// keeps the stored secret. When credential_type changes, stored secrets that do
// not belong to the new type are cleared (secrets named by the mask are kept,
// so validation reports them).
// Errors: INVALID_ARGUMENT with violations on "update_mask" for an empty mask,
// an immutable/output-only path, an unknown path, or `*` combined with others.
// Does not validate content: run ValidateRegistry(merged, "registry.") next.
absl::StatusOr<UpdateResult> ApplyUpdateMask(const v1::Registry& existing,
                                             const v1::Registry& patch,
                                             const google::protobuf::FieldMask& mask);

// The mask checks of ApplyUpdateMask alone (same errors), without a stored record: lets a
// caller refuse a malformed mask before looking at state (NOT_FOUND, ABORTED).
absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask);

}  // namespace registry::core
