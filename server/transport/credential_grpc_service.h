// gRPC handler of cloudmanager.registry.v1.CredentialService: decode → CredentialResolver → encode.
// Served through the callback API: the answer is computed on a gRPC thread and the call
// finishes when its audit events are durable, without holding a thread while the disk syncs.
// Registered raw (ByteBuffer in and out), so the handler parses the request itself and answers
// an unparsable one (e.g. invalid UTF-8 in `images`) with INVALID_ARGUMENT naming the field.
#pragma once

#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "server/auth/token_verifier.h"
#include "server/service/credential_resolver.h"
#include "server/transport/inflight_limit.h"

namespace registry::transport {

namespace v1 = ::cloudmanager::registry::v1;

// Thin adapter; thread-safe. `resolver`, `verifier` and `limit` must outlive it. Calls past
// `limit` get RESOURCE_EXHAUSTED before any work.
class CredentialGrpcService final
    : public v1::CredentialService::WithRawCallbackMethod_ResolveCredentials<
          v1::CredentialService::Service> {
 public:
  CredentialGrpcService(service::CredentialResolver& resolver, const auth::TokenVerifier& verifier,
                        InflightLimit& limit)
      : resolver_(resolver), verifier_(verifier), limit_(limit) {}

  // The raw callback method (ResolveCredentialsRequest in, ResolveCredentialsResponse out):
  grpc::ServerUnaryReactor* ResolveCredentials(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;

 private:
  service::CredentialResolver& resolver_;
  const auth::TokenVerifier& verifier_;
  InflightLimit& limit_;
};

}  // namespace registry::transport
