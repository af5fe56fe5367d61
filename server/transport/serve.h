// Serve() / ServeRawAsync(): the bodies the unary handlers share — begin the call (deadline,
// authentication, request id), run the use case, map its status through the one table.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <functional>
#include <type_traits>
#include <utility>

#include "server/transport/call_context.h"
#include "server/transport/inflight_limit.h"
#include "server/transport/raw_message.h"
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

// Does nothing to an encoded response (the default of ServeRawAsync's `after_encode`).
struct KeepResponse {
  template <typename Response>
  void operator()(Response&) const {}
};

// For a raw callback method (ByteBuffer in and out): takes a slot of `limit` (RESOURCE_EXHAUSTED
// at once past it), begins the call, decodes the request as `Request` (INVALID_ARGUMENT naming
// the field when it does not parse) and runs `start(call, decoded, done)`, which must call
// `done(absl::StatusOr<Response>)` exactly once, from any thread; the call finishes then.
// `after_encode(response)` runs on an answer once it is encoded (e.g. to wipe its secrets).
template <typename Request, typename Response, typename Start, typename AfterEncode = KeepResponse>
grpc::ServerUnaryReactor* ServeRawAsync(grpc::CallbackServerContext& context,
                                        const auth::TokenVerifier& verifier, InflightLimit& limit,
                                        const grpc::ByteBuffer& request, grpc::ByteBuffer* response,
                                        Start start, AfterEncode after_encode = {}) {
  grpc::ServerUnaryReactor* reactor = context.DefaultReactor();
  if (!limit.TryAcquire()) {
    reactor->Finish(limit.Refusal());
    return reactor;
  }
  auto finish = [&limit, reactor](const absl::Status& status) {
    limit.Release();
    reactor->Finish(ToGrpcStatus(status));
  };
  absl::StatusOr<service::Call> call = BeginCall(context, verifier);
  if (!call.ok()) {
    finish(call.status());
    return reactor;
  }
  Request decoded;
  if (absl::Status parsed = DecodeRequest(request, decoded); !parsed.ok()) {
    finish(parsed);
    return reactor;
  }
  start(*call, decoded,
        std::function<void(absl::StatusOr<Response>)>(
            [finish, response, after_encode](absl::StatusOr<Response> answer) {
              if (answer.ok()) {
                EncodeResponse(*answer, *response);
                after_encode(*answer);
              }
              finish(answer.status());
            }));
  return reactor;
}

}  // namespace registry::transport
