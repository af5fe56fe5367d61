// Serve() / ServeRaw() / ServeRawAsync(): the bodies the unary handlers share — begin the call
// (deadline, authentication, request id), run the use case, map its status through the one table.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "server/service/answer.h"
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

// For a raw callback method (ByteBuffer in and out) whose use case answers at once: begins the
// call, decodes the request as `Request` (INVALID_ARGUMENT naming the field when it does not
// parse), runs `use_case(call, decoded)` (returning absl::StatusOr<Response>) on the calling
// callback thread and finishes the call with the encoded value or the mapped error. For use cases
// that do not wait (point reads, one page of a scan): gRPC's callback threads serve every call.
// The response must carry no secret (it is not wiped).
template <typename Request, typename UseCase>
grpc::ServerUnaryReactor* ServeRaw(grpc::CallbackServerContext& context,
                                   const auth::TokenVerifier& verifier,
                                   const grpc::ByteBuffer& request, grpc::ByteBuffer* response,
                                   UseCase use_case) {
  const absl::Status outcome = [&]() -> absl::Status {
    absl::StatusOr<service::Call> call = BeginCall(context, verifier);
    if (!call.ok()) return call.status();
    Request decoded;
    if (absl::Status parsed = DecodeRequest(request, decoded); !parsed.ok()) return parsed;
    auto result = use_case(*call, decoded);
    if (!result.ok()) return result.status();
    EncodeResponse(*result, *response);
    return absl::OkStatus();
  }();
  grpc::ServerUnaryReactor* reactor = context.DefaultReactor();
  reactor->Finish(ToGrpcStatus(outcome));
  return reactor;
}

// For a raw callback method (ByteBuffer in and out): takes a slot of `limit` (RESOURCE_EXHAUSTED
// at once past it), begins the call, decodes the request as `Request` (INVALID_ARGUMENT naming
// the field when it does not parse) and runs `start(call, decoded, answer)` with a
// service::Answer<Response>: `answer.prepare(response)` encodes the response at once, on the
// use case's thread (which then wipes and frees it); the encoded bytes wait until
// `answer.finish(status)`, which finishes the call from any thread: OK sends them, an error
// wipes them and sends the error instead.
template <typename Request, typename Response, typename Start>
grpc::ServerUnaryReactor* ServeRawAsync(grpc::CallbackServerContext& context,
                                        const auth::TokenVerifier& verifier, InflightLimit& limit,
                                        const grpc::ByteBuffer& request, grpc::ByteBuffer* response,
                                        Start start) {
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
  // The encoded response, held back until the use case finishes the call.
  auto encoded = std::make_shared<std::optional<grpc::ByteBuffer>>();
  service::Answer<Response> answer{
      [encoded](Response& prepared) { EncodeResponse(prepared, encoded->emplace()); },
      [finish, encoded, response](absl::Status outcome) {
        if (outcome.ok() && encoded->has_value()) {
          response->Swap(&**encoded);
        } else {
          if (encoded->has_value()) WipeEncoded(**encoded);
          if (outcome.ok()) outcome = service::NoAnswerError();
        }
        encoded->reset();
        finish(outcome);
      }};
  start(*call, decoded, std::move(answer));
  return reactor;
}

}  // namespace registry::transport
