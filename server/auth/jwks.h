// JSON Web Key Sets (RFC 7517): the trust anchors the JWT verifier checks token signatures
// against. Three key kinds are accepted, each bound to exactly one JWS algorithm (RFC 7518):
//   kty "OKP", crv "Ed25519"  -> EdDSA  (RFC 8037; verified with libsodium)
//   kty "RSA", >= 2048 bits   -> RS256  (RSASSA-PKCS1-v1_5 with SHA-256; verified with OpenSSL)
//   kty "EC",  crv "P-256"    -> ES256  (ECDSA P-256 with SHA-256; verified with OpenSSL)
// Anything else refuses the whole key set. See README.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace registry::auth {
namespace internal {
// An immutable OpenSSL public key (EVP_PKEY), opaque outside registry_auth. Safe to use from many
// threads at once for verification.
struct EvpPublicKey;
}  // namespace internal

// The JWS "alg" each key kind verifies, and nothing else.
inline constexpr std::string_view kAlgEdDsa = "EdDSA";
inline constexpr std::string_view kAlgRs256 = "RS256";
inline constexpr std::string_view kAlgEs256 = "ES256";

// kty "OKP", crv "Ed25519": the raw 32-byte public key.
struct Ed25519PublicKey {
  std::array<uint8_t, 32> bytes{};
};

// kty "RSA": an RSA public key of at least 2048 bits (at most 8192), built from n and e.
struct RsaPublicKey {
  int modulus_bits = 0;
  std::shared_ptr<const internal::EvpPublicKey> evp;  // Never null in a parsed key.
};

// kty "EC", crv "P-256": a point on P-256 (validated), built from x and y.
struct EcP256PublicKey {
  std::array<uint8_t, 32> x{};
  std::array<uint8_t, 32> y{};
  std::shared_ptr<const internal::EvpPublicKey> evp;  // Never null in a parsed key.
};

using PublicKey = std::variant<Ed25519PublicKey, RsaPublicKey, EcP256PublicKey>;

// One signature-verification key. A plain value; copies share the (immutable) OpenSSL key.
struct JwkKey {
  JwkKey() = default;
  // An Ed25519 key: keeps `JwkKey{kid, ed25519_public_key}` working.
  JwkKey(std::string kid, const std::array<uint8_t, 32>& ed25519_public_key)
      : kid(std::move(kid)), key(Ed25519PublicKey{ed25519_public_key}) {}
  JwkKey(std::string kid, PublicKey key) : kid(std::move(kid)), key(std::move(key)) {}

  // The one JWS alg this key verifies: kAlgEdDsa, kAlgRs256 or kAlgEs256.
  std::string_view alg() const;
  // The Ed25519 public key, or nullptr when this is another kind of key.
  const std::array<uint8_t, 32>* ed25519_public_key() const;

  std::string kid;  // The JWK's "kid"; empty when the JWK had none.
  PublicKey key;
};

// A parsed key set; kids are unique. A plain value: safe to read from many threads once built.
struct Jwks {
  std::vector<JwkKey> keys;

  // Returns the key whose kid equals `kid`, or nullptr when there is none. The pointer stays
  // valid while this Jwks is alive and `keys` is not modified.
  const JwkKey* Find(std::string_view kid) const;
};

// Parses `{"keys":[<jwk>, ...]}` where each JWK is one of
//   {"kty":"OKP","crv":"Ed25519","x":"<base64url of 32 bytes>"}
//   {"kty":"RSA","n":"<base64url>","e":"<base64url>"}             (n of 2048..8192 bits)
//   {"kty":"EC","crv":"P-256","x":"<32 bytes>","y":"<32 bytes>"}  (a valid P-256 point)
// plus optional "kid" (string, unique), "alg" (must be the kind's alg: EdDSA, RS256, ES256) and
// "use" (must be "sig"); other members are ignored. INVALID_ARGUMENT, with one line saying what
// is wrong, when: the text is not JSON or not an object, "keys" is missing/empty/not an array, a
// key has an unsupported kty/crv/alg/use, a coordinate/modulus/exponent is not unpadded base64url
// of an acceptable size, the EC point is not on the curve, a key carries private material ("d"),
// or a kid repeats. Every key must be usable: unsupported keys are refused, never skipped.
// Messages never contain key material.
absl::StatusOr<Jwks> ParseJwks(std::string_view json);

// Reads and parses the JWKS file at `path`. FAILED_PRECONDITION when the file cannot be read or
// is larger than 1 MiB; otherwise as ParseJwks. Every message names the file.
absl::StatusOr<Jwks> LoadJwksFile(const std::string& path);

}  // namespace registry::auth
