// Internal to registry_auth: libsodium initialization and base64url decoding shared by the JWKS
// parser and the JWT verifier. Not part of the library's public surface.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace registry::auth::internal {

// Runs sodium_init() once per process (a function-local static); later calls return the cached
// result. INTERNAL if libsodium could not initialize. Thread-safe.
absl::Status InitSodium();

// Decodes unpadded base64url (RFC 4648 §5, as JOSE requires in RFC 7515 §2). Returns nullopt for
// padding, characters outside the alphabet, whitespace, or non-canonical trailing bits.
std::optional<std::string> DecodeBase64Url(std::string_view text);

}  // namespace registry::auth::internal
