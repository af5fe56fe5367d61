// gRPC handler of cloudmanager.registry.v1.CredentialService: decode → CredentialResolver → encode.
#pragma once

#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "server/auth/token_verifier.h"
#include "server/service/credential_resolver.h"

namespace registry::transport {

namespace v1 = ::cloudmanager::registry::v1;

// Thin adapter; thread-safe. `resolver` and `verifier` must outlive it.
class CredentialGrpcService final : public v1::CredentialService::Service {
 public:
  CredentialGrpcService(service::CredentialResolver& resolver, const auth::TokenVerifier& verifier)
      : resolver_(resolver), verifier_(verifier) {}

  // v1::CredentialService::Service:
  grpc::Status ResolveCredentials(grpc::ServerContext* context,
                                  const v1::ResolveCredentialsRequest* request,
                                  v1::ResolveCredentialsResponse* response) override;

 private:
  service::CredentialResolver& resolver_;
  const auth::TokenVerifier& verifier_;
};

}  // namespace registry::transport
