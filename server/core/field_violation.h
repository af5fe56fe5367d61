// Field-level request errors: an INVALID_ARGUMENT absl::Status that carries a
// google.rpc.BadRequest payload naming each bad field, and the way back.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace registry::core {

// One bad field of a request. `field` is a request-relative path such as
// "registry.server"; `description` says what is wrong and never contains a
// secret value (password, oauth2_token, json_token).
struct FieldViolation {
  std::string field;
  std::string description;

  friend bool operator==(const FieldViolation&, const FieldViolation&) = default;
};

// Payload key under which InvalidArgumentError stores the serialized
// google.rpc.BadRequest; the transport layer copies it into google.rpc.Status.details.
inline constexpr std::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";

// Returns INVALID_ARGUMENT with message "invalid request: <field>: <description>[; ...]"
// and a serialized google.rpc.BadRequest (one field_violation per entry, same
// order) as payload under kBadRequestTypeUrl.
// REQUIRES: `violations` is non-empty (an empty list still yields INVALID_ARGUMENT,
// message "invalid request", with an empty BadRequest).
absl::Status InvalidArgumentError(std::vector<FieldViolation> violations);

// Returns the violations carried by `status` (from InvalidArgumentError), in
// order; empty when `status` has no (parsable) BadRequest payload.
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

}  // namespace registry::core
