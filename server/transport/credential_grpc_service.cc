#include "server/transport/credential_grpc_service.h"

#include "server/transport/call_context.h"
#include "server/transport/status_mapping.h"

namespace registry::transport {

grpc::Status CredentialGrpcService::ResolveCredentials(grpc::ServerContext* context,
                                                       const v1::ResolveCredentialsRequest* request,
                                                       v1::ResolveCredentialsResponse* response) {
  absl::StatusOr<auth::Principal> caller = BeginCall(*context, verifier_);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<v1::ResolveCredentialsResponse> result =
      resolver_.ResolveCredentials(*caller, *request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->Swap(&*result);
  return grpc::Status::OK;
}

}  // namespace registry::transport
