// The seam between transport and identity: a bearer token in, a Principal out. Transport strips
// the "Bearer " prefix and calls Verify; the service layer only ever sees the Principal.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/auth/principal.h"

namespace registry::auth {

// Turns a bearer token into the caller's identity.
// Implementations are thread-safe: Verify may be called concurrently from any thread.
class TokenVerifier {
 public:
  TokenVerifier() = default;
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;
  virtual ~TokenVerifier() = default;

  // UNAUTHENTICATED (with a short reason that never contains the token) when the token is
  // malformed, badly signed, expired, not yet valid, or for another issuer/audience.
  virtual absl::StatusOr<Principal> Verify(std::string_view token) const = 0;
};
using TokenVerifierPtr = std::unique_ptr<TokenVerifier>;

}  // namespace registry::auth
