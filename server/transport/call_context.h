// Per-call preamble shared by every handler: deadline check and authentication.
#pragma once

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "server/auth/principal.h"
#include "server/auth/token_verifier.h"
#include "server/service/call.h"

namespace registry::transport {

// Returns the caller and request id (`x-request-id` metadata when it is 1-128 printable ASCII
// characters, else a generated one). DEADLINE_EXCEEDED when the call's deadline has already
// passed (expired work is not started); UNAUTHENTICATED when the bearer token is missing or
// invalid.
absl::StatusOr<service::Call> BeginCall(grpc::ServerContextBase& context,
                                        const auth::TokenVerifier& verifier);

}  // namespace registry::transport
