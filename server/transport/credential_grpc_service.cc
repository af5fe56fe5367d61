#include "server/transport/credential_grpc_service.h"

#include "server/transport/serve.h"

namespace registry::transport {

grpc::Status CredentialGrpcService::ResolveCredentials(grpc::ServerContext* context,
                                                       const v1::ResolveCredentialsRequest* request,
                                                       v1::ResolveCredentialsResponse* response) {
  return Serve(*context, verifier_, response, [&](const service::Call& call) {
    return resolver_.ResolveCredentials(call, *request);
  });
}

}  // namespace registry::transport
