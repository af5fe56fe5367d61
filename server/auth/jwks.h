// JSON Web Key Sets (RFC 7517) of Ed25519 public keys (RFC 8037 "OKP" keys): the trust anchors
// the JWT verifier checks token signatures against. Other key types (RSA, EC) are refused for now.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace registry::auth {

// One Ed25519 signature-verification key.
struct JwkKey {
  std::string kid;  // The JWK's "kid"; empty when the JWK had none.
  std::array<uint8_t, 32> ed25519_public_key{};
};

// A parsed key set; kids are unique. A plain value: safe to read from many threads once built.
struct Jwks {
  std::vector<JwkKey> keys;

  // Returns the key whose kid equals `kid`, or nullptr when there is none. The pointer stays
  // valid while this Jwks is alive and `keys` is not modified.
  const JwkKey* Find(std::string_view kid) const;
};

// Parses `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"...","x":"<base64url>"}, ...]}`.
// "alg" (must be "EdDSA") and "use" (must be "sig") are optional; other members are ignored.
// INVALID_ARGUMENT, with one line saying what is wrong, when: the text is not JSON or not an
// object, "keys" is missing/empty/not an array, a key has an unsupported kty/crv/alg/use, x is
// not 32 bytes of unpadded base64url, a key carries private material ("d"), or a kid repeats.
// Every key must be usable: unsupported keys are refused, never silently skipped.
absl::StatusOr<Jwks> ParseJwks(std::string_view json);

// Reads and parses the JWKS file at `path`. FAILED_PRECONDITION when the file cannot be read or
// is larger than 1 MiB; otherwise as ParseJwks. Every message names the file.
absl::StatusOr<Jwks> LoadJwksFile(const std::string& path);

}  // namespace registry::auth
