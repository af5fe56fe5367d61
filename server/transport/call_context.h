// Per-call preamble shared by every handler: deadline/cancellation check and authentication.
#pragma once

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "server/auth/principal.h"
#include "server/auth/token_verifier.h"

namespace registry::transport {

// Returns the caller's Principal. DEADLINE_EXCEEDED/CANCELLED when the call is already over
// (expired work is not started); UNAUTHENTICATED when the bearer token is missing or invalid.
absl::StatusOr<auth::Principal> BeginCall(grpc::ServerContext& context,
                                          const auth::TokenVerifier& verifier);

}  // namespace registry::transport
