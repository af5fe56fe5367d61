// TokenVerifier for JWTs (RFC 7519) in JWS compact form (RFC 7515) checked against a fixed JWKS:
// EdDSA/Ed25519 (RFC 8037), RS256 and ES256 (RFC 7518), each only with a key of its own kind.
// See README.md. For key rotation and caching see reloading_token_verifier.h /
// caching_token_verifier.h.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/auth/jwks.h"
#include "server/auth/principal.h"
#include "server/auth/token_verifier.h"

namespace registry::auth {

struct JwtVerifierOptions {
  // Required `iss` value, compared exactly. An empty issuer matches no token.
  std::string issuer{};
  // Our name in the `aud` claim (a string or an array containing it). Empty matches no token.
  std::string audience{};
  // Tolerance applied to exp, nbf and iat for clock differences between hosts (the app's
  // --jwt-clock-skew). Must not be negative.
  absl::Duration clock_skew = absl::Seconds(60);
  // Current time; defaults to absl::Now when empty. Called concurrently from Verify, so it must
  // be thread-safe.
  std::function<absl::Time()> clock{};
  // Tokens longer than this are refused before any decoding.
  size_t max_token_bytes = 8 * 1024;
};

// Verifies EdDSA-, RS256- and ES256-signed JWTs. Immutable after construction, hence thread-safe.
class JwtVerifier final : public TokenVerifier {
 public:
  // REQUIRES: options.issuer and options.audience non-empty, jwks.keys non-empty (otherwise every
  // token is refused). Prefer Create() when the inputs come from configuration.
  JwtVerifier(Jwks jwks, JwtVerifierOptions options);

  // Like the constructor, but INVALID_ARGUMENT when issuer, audience or the key set is empty, a
  // key has no usable public key (an RsaPublicKey/EcP256PublicKey not built by ParseJwks), or the
  // clock skew is negative.
  static absl::StatusOr<TokenVerifierPtr> Create(Jwks jwks, JwtVerifierOptions options);

  // TokenVerifier
  // Checks, in order: size, three unpadded base64url parts, header (alg "EdDSA", "RS256" or
  // "ES256", no "crit", kid naming a JWKS key, or no kid with a one-key JWKS, and the alg must be
  // the one that key's kind verifies), the signature over "header.payload" (Ed25519: 64 bytes;
  // RS256: PKCS#1 v1.5 SHA-256; ES256: 64 bytes R||S), then the claims: iss, aud, sub (non-empty),
  // exp (now < exp + skew), optional nbf (now >= nbf - skew) and iat (iat <= now + skew), optional
  // scope (space-separated string) and groups (array of strings). On success
  // Principal::expires_at is exp. Any failure is UNAUTHENTICATED with a short reason that never
  // echoes the token or its claim values.
  absl::StatusOr<Principal> Verify(std::string_view token) const override;

 private:
  const Jwks jwks_;
  const JwtVerifierOptions options_;
};

}  // namespace registry::auth
