#include "server/transport/call_context.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "server/seal/random.h"
#include "server/transport/bearer_token.h"

namespace registry::transport {

namespace {

std::string RequestId(const grpc::ServerContextBase& context) {
  auto it = context.client_metadata().find("x-request-id");
  if (it != context.client_metadata().end() && !it->second.empty() && it->second.size() <= 128) {
    std::string id(it->second.data(), it->second.size());
    if (std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
      return id;
    }
  }
  unsigned char bytes[12];
  seal::FillRandom(bytes, sizeof(bytes));
  char hex[sizeof(bytes) * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), bytes, sizeof(bytes));
  return hex;
}

}  // namespace

absl::StatusOr<service::Call> BeginCall(grpc::ServerContextBase& context,
                                        const auth::TokenVerifier& verifier) {
  // Only the deadline is checked: on the sync server IsCancelled() polls the call's completion
  // queue (a pollset round and a futex wait), measured at 9 % of CreateRegistry's CPU. A call
  // the client cancelled is still answered into the void, as one cancelled mid-call would be.
  if (context.deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("deadline expired before the call started");
  }
  absl::StatusOr<std::string_view> token = ExtractBearerToken(context.client_metadata());
  if (!token.ok()) return token.status();
  absl::StatusOr<auth::Principal> caller = verifier.Verify(*token);
  if (!caller.ok()) return caller.status();
  return service::Call{*std::move(caller), RequestId(context)};
}

}  // namespace registry::transport
