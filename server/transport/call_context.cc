#include "server/transport/call_context.h"

#include <chrono>

#include "server/transport/bearer_token.h"

namespace registry::transport {

absl::StatusOr<auth::Principal> BeginCall(grpc::ServerContext& context,
                                          const auth::TokenVerifier& verifier) {
  if (context.IsCancelled()) return absl::CancelledError("call cancelled by the client");
  if (context.deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("deadline expired before the call started");
  }
  absl::StatusOr<std::string_view> token = ExtractBearerToken(context.client_metadata());
  if (!token.ok()) return token.status();
  return verifier.Verify(*token);
}

}  // namespace registry::transport
