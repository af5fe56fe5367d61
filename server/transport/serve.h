// ServeRaw() / ServeRawOnWorker() / ServeRawAsync(): the bodies the raw callback handlers share —
// begin the call (deadline, authentication, request id), decode the request, run the use case,
// encode its answer, map its status through the one table.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "server/service/answer.h"
#include "server/transport/call_context.h"
#include "server/transport/call_worker.h"
#include "server/transport/inflight_limit.h"
#include "server/transport/raw_message.h"
#include "server/transport/status_mapping.h"

namespace registry::transport {

// A raw call begun: its caller and its decoded request.
template <typename Request>
struct BegunCall {
  service::Call call;
  Request request;
};

// Begins a raw call (deadline, authentication, request id) and decodes its request as `Request`
// (INVALID_ARGUMENT naming each bad field when it does not parse).
template <typename Request>
absl::StatusOr<BegunCall<Request>> BeginRawCall(grpc::CallbackServerContext& context,
                                                const auth::TokenVerifier& verifier,
                                                const grpc::ByteBuffer& request) {
  absl::StatusOr<service::Call> call = BeginCall(context, verifier);
  if (!call.ok()) return call.status();
  BegunCall<Request> begun{*std::move(call), Request()};
  if (absl::Status parsed = DecodeRequest(request, begun.request); !parsed.ok()) return parsed;
  return begun;
}

// Encodes a use case's value into `response`, or passes its error on.
template <typename Response>
absl::Status EncodeResult(const absl::StatusOr<Response>& result, grpc::ByteBuffer& response) {
  if (!result.ok()) return result.status();
  EncodeResponse(*result, response);
  return absl::OkStatus();
}

// For a raw callback method (ByteBuffer in and out) whose use case answers at once: begins the
// call, decodes the request, runs `use_case(call, decoded)` (returning absl::StatusOr<Response>)
// on the calling callback thread and finishes the call with the encoded value or the mapped
// error. For use cases that do not wait (point reads, one page of a scan): gRPC's callback
// threads serve every call. The response must carry no secret (it is not wiped).
template <typename Request, typename UseCase>
grpc::ServerUnaryReactor* ServeRaw(grpc::CallbackServerContext& context,
                                   const auth::TokenVerifier& verifier,
                                   const grpc::ByteBuffer& request, grpc::ByteBuffer* response,
                                   UseCase use_case) {
  absl::StatusOr<BegunCall<Request>> begun = BeginRawCall<Request>(context, verifier, request);
  const absl::Status outcome =
      begun.ok() ? EncodeResult(use_case(begun->call, begun->request), *response) : begun.status();
  grpc::ServerUnaryReactor* reactor = context.DefaultReactor();
  reactor->Finish(ToGrpcStatus(outcome));
  return reactor;
}

// Like ServeRaw, for a use case that blocks for long (a backup, a rewrap page): takes a slot of
// `limit` (RESOURCE_EXHAUSTED at once past it), begins the call and decodes the request on the
// callback thread, then runs the use case on `worker`, which finishes the call. REQUIRES:
// `limit` and `worker` outlive every call served (the worker runs what was posted before it
// stops).
template <typename Request, typename UseCase>
grpc::ServerUnaryReactor* ServeRawOnWorker(grpc::CallbackServerContext& context,
                                           const auth::TokenVerifier& verifier,
                                           InflightLimit& limit, CallWorker& worker,
                                           const grpc::ByteBuffer& request,
                                           grpc::ByteBuffer* response, UseCase use_case) {
  grpc::ServerUnaryReactor* reactor = context.DefaultReactor();
  if (!limit.TryAcquire()) {
    reactor->Finish(limit.Refusal());
    return reactor;
  }
  absl::StatusOr<BegunCall<Request>> begun = BeginRawCall<Request>(context, verifier, request);
  if (!begun.ok()) {
    limit.Release();
    reactor->Finish(ToGrpcStatus(begun.status()));
    return reactor;
  }
  auto state = std::make_shared<BegunCall<Request>>(*std::move(begun));
  worker.Post([&limit, reactor, response, state, use_case] {
    const absl::Status outcome = EncodeResult(use_case(state->call, state->request), *response);
    limit.Release();
    reactor->Finish(ToGrpcStatus(outcome));
  });
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
  absl::StatusOr<BegunCall<Request>> begun = BeginRawCall<Request>(context, verifier, request);
  if (!begun.ok()) {
    finish(begun.status());
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
  start(begun->call, begun->request, std::move(answer));
  return reactor;
}

}  // namespace registry::transport
