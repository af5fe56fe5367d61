// Serve(): the body every unary handler shares — begin the call (deadline, authentication,
// request id), run the use case, map its status through the one table.
#pragma once

#include <grpcpp/server_context.h>

#include <type_traits>
#include <utility>

#include "server/transport/call_context.h"
#include "server/transport/status_mapping.h"

namespace registry::transport {

// Runs `use_case(const service::Call&)`, which returns absl::Status or absl::StatusOr<Response>,
// and moves its value into `response`.
template <typename Response, typename UseCase>
grpc::Status Serve(grpc::ServerContext& context, const auth::TokenVerifier& verifier,
                   Response* response, UseCase use_case) {
  absl::StatusOr<service::Call> call = BeginCall(context, verifier);
  if (!call.ok()) return ToGrpcStatus(call.status());
  auto result = use_case(*call);
  if constexpr (std::is_same_v<decltype(result), absl::Status>) {
    return ToGrpcStatus(result);
  } else {
    if (!result.ok()) return ToGrpcStatus(result.status());
    *response = *std::move(result);
    return grpc::Status::OK;
  }
}

}  // namespace registry::transport
