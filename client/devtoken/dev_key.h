// Development-only Ed25519 signing keys: generate, store in a one-line key file, and publish as a
// JWKS the server can load with --jwks-file. Production tokens come from the identity provider;
// nothing in the server links this library.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace registry::devtoken {

// An Ed25519 key pair, kept as its 32-byte seed (the secret) and the derived public key.
// A plain value; treat `seed` as a secret.
struct DevKey {
  std::array<uint8_t, 32> seed{};
  std::array<uint8_t, 32> public_key{};
};

// A fresh key from libsodium's CSPRNG. Aborts the process if libsodium cannot initialize.
DevKey GenerateDevKey();

// The key pair derived deterministically from `seed`: handy for hermetic tests.
DevKey DevKeyFromSeed(const std::array<uint8_t, 32>& seed);

// The key file format: standard (padded) base64 of the 32-byte seed, then "\n".
std::string FormatDevKeyFile(const DevKey& key);

// Parses FormatDevKeyFile's output; surrounding whitespace is ignored. INVALID_ARGUMENT when the
// contents are not base64 of exactly 32 bytes. Messages never include the contents.
absl::StatusOr<DevKey> ParseDevKeyFile(std::string_view contents);

// Reads and parses the key file at `path`. FAILED_PRECONDITION when it cannot be read; otherwise
// as ParseDevKeyFile. Messages name the file.
absl::StatusOr<DevKey> LoadDevKeyFile(const std::string& path);

// Writes FormatDevKeyFile(key) to a new file at `path` with mode 0600. ALREADY_EXISTS when the
// file exists (a key is never overwritten); FAILED_PRECONDITION on other I/O errors.
absl::Status WriteDevKeyFile(const std::string& path, const DevKey& key);

// A JWKS document with the one public key: {"keys":[{"kty":"OKP","crv":"Ed25519","kid":kid,
// "x":"<base64url>","alg":"EdDSA","use":"sig"}]}, as registry::auth::ParseJwks accepts.
std::string JwksForDevKey(const DevKey& key, std::string_view kid);

// The Ed25519 key's public JWK object alone (what JwksForDevKey puts in "keys").
std::string JwkForDevKey(const DevKey& key, std::string_view kid);

// {"keys":[jwk, ...]} from compact JWK objects (JwkForDevKey, AsymmetricDevKey::PublicJwkJson),
// in order: for key sets with several keys or kinds (rotation tests). An element that is not a
// JSON object text is kept as a JSON string, which the server then refuses.
std::string JwksOf(const std::vector<std::string>& jwk_jsons);

}  // namespace registry::devtoken
