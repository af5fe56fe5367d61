// Internal to registry_auth: RSA and EC P-256 public keys as OpenSSL 3 EVP_PKEYs, built from JWK
// members with EVP_PKEY_fromdata, and RS256/ES256 signature checks with EVP_DigestVerify. Not part
// of the library's public surface; no OpenSSL type leaks out of this header.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/auth/jwks.h"

namespace registry::auth::internal {

// Smallest and largest RSA moduli accepted in a JWKS.
inline constexpr int kMinRsaModulusBits = 2048;
inline constexpr int kMaxRsaModulusBits = 8192;

// Builds an RSA public key from the big-endian bytes of the modulus and public exponent.
// INVALID_ARGUMENT (a short reason without key material) when the modulus is not an odd number
// of kMinRsaModulusBits..kMaxRsaModulusBits bits, or the exponent is not odd, >= 3 and at most
// 64 bits. One leading zero byte in `n` is tolerated (some libraries emit it).
absl::StatusOr<RsaPublicKey> MakeRsaPublicKey(std::string_view n, std::string_view e);

// Builds a P-256 public key from its affine coordinates (32 bytes each, big-endian).
// INVALID_ARGUMENT when the point is not on the curve (or is otherwise invalid).
absl::StatusOr<EcP256PublicKey> MakeEcP256PublicKey(std::string_view x, std::string_view y);

// True when `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `message` (RS256).
bool VerifyRs256(const EvpPublicKey& key, std::string_view message, std::string_view signature);

// True when `signature` is a valid JWS ES256 signature (64 bytes: R || S, each 32 bytes
// big-endian, RFC 7518 §3.4) of `message`. Any other length is false.
bool VerifyEs256(const EvpPublicKey& key, std::string_view message, std::string_view signature);

}  // namespace registry::auth::internal
