#include "server/transport/credential_grpc_service.h"

#include <utility>

#include "server/transport/serve.h"

namespace registry::transport {

grpc::ServerUnaryReactor* CredentialGrpcService::ResolveCredentials(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeRawAsync<v1::ResolveCredentialsRequest, v1::ResolveCredentialsResponse>(
      *context, verifier_, limit_, *request, response,
      [this](const service::Call& call, v1::ResolveCredentialsRequest& decoded, auto answer) {
        // The resolver wipes its answer once prepared: only the wire copy of the secrets
        // remains.
        resolver_.ResolveCredentialsAsync(call, decoded, std::move(answer));
      });
}

}  // namespace registry::transport
