#include "server/transport/credential_grpc_service.h"

#include <utility>

#include "server/transport/call_context.h"
#include "server/transport/raw_message.h"
#include "server/transport/status_mapping.h"

namespace registry::transport {

grpc::ServerUnaryReactor* CredentialGrpcService::ResolveCredentials(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!limit_.TryAcquire()) {
    reactor->Finish(limit_.Refusal());
    return reactor;
  }
  auto finish = [this, reactor](const absl::Status& status) {
    limit_.Release();
    reactor->Finish(ToGrpcStatus(status));
  };
  absl::StatusOr<service::Call> call = BeginCall(*context, verifier_);
  if (!call.ok()) {
    finish(call.status());
    return reactor;
  }
  v1::ResolveCredentialsRequest decoded;
  if (absl::Status parsed = DecodeRequest(*request, decoded); !parsed.ok()) {
    finish(parsed);
    return reactor;
  }
  resolver_.ResolveCredentialsAsync(
      *call, decoded, [finish, response](absl::StatusOr<v1::ResolveCredentialsResponse> answer) {
        if (answer.ok()) {
          EncodeResponse(*answer, *response);
          service::CredentialResolver::WipeSecrets(*answer);  // Only the wire copy remains.
        }
        finish(answer.status());
      });
  return reactor;
}

}  // namespace registry::transport
