// Content rules for a Registry's user-settable fields (issue 2) and the
// credential-type consistency rules, plus secret-field helpers.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "cloudmanager/registry/v1/registry.pb.h"
#include "server/core/field_violation.h"

namespace registry::core {

namespace v1 = ::cloudmanager::registry::v1;

// Limits of the user-settable fields.
inline constexpr size_t kMaxDisplayNameCodePoints = 256;
inline constexpr size_t kMaxUsernameCodePoints = 256;
inline constexpr size_t kMaxEmailLength = 254;
inline constexpr size_t kMaxSecretLength = 64 * 1024;
// Username filled in for JSON_TOKEN registries that have none.
inline constexpr std::string_view kJsonKeyUsername = "_json_key";

// Returns every violation of the user-settable fields of `registry`
// (display_name, server, credential_type, username, email, password,
// oauth2_token, json_token, thumbnail_uri): per-field content rules in field
// order, then credential-type consistency; empty when valid.
// Each field path is `prefix` + the field name ("registry." -> "registry.server").
// Output-only fields (name, global, times, etag, secret_set) are not checked.
// Descriptions never contain a secret value.
std::vector<FieldViolation> ValidateRegistry(const v1::Registry& registry, std::string_view prefix);

// Fills defaults that are stored: a JSON_TOKEN registry with an empty username
// gets kJsonKeyUsername. Other fields are left as they are.
void ApplyCredentialDefaults(v1::Registry& registry);

// True iff any of password, oauth2_token, json_token is non-empty.
bool HasSecret(const v1::Registry& registry);

// The secret fields of `registry` that hold something (password, oauth2_token, json_token),
// null for the empty ones: the one list of what is secret in a record, for every function that
// wipes or sets aside secrets. Touches no empty field (asking protobuf for a mutable empty field
// allocates).
std::array<std::string*, 3> HeldSecrets(v1::Registry& registry);

// Overwrites the bytes of password, oauth2_token and json_token with zeros
// (sodium_memzero) and then clears them.
void ClearSecrets(v1::Registry& registry);

}  // namespace registry::core
