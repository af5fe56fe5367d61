// gRPC handlers of cloudmanager.registry.v1.AdminService: decode → AdminManager → encode. Raw
// callback methods that decode their own request (invalid UTF-8 is INVALID_ARGUMENT naming the
// field) and run their work, which blocks for long (a backup, a key rotation, a rewrap page), on
// the service's own worker thread, one call at a time.
#pragma once

#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"
#include "server/auth/token_verifier.h"
#include "server/service/admin_manager.h"
#include "server/transport/call_worker.h"
#include "server/transport/inflight_limit.h"

namespace registry::transport {

namespace v1 = ::cloudmanager::registry::v1;

using RawAdminService = v1::AdminService::WithRawCallbackMethod_RotateDataKey<
    v1::AdminService::WithRawCallbackMethod_RewrapSecrets<
        v1::AdminService::WithRawCallbackMethod_CreateBackup<v1::AdminService::Service>>>;

// Thin adapter; thread-safe. `manager` and `verifier` must outlive it. Past kMaxCalls calls
// waiting or running, a call gets RESOURCE_EXHAUSTED at once. Destroying it runs the calls
// already taken (the server's Shutdown waits for them first).
class AdminGrpcService final : public RawAdminService {
 public:
  static constexpr int kMaxCalls = 16;

  AdminGrpcService(service::AdminManager& manager, const auth::TokenVerifier& verifier)
      : manager_(manager), verifier_(verifier) {}

  // The raw callback methods (the request message in, the response message out):
  grpc::ServerUnaryReactor* RotateDataKey(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RewrapSecrets(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

 private:
  service::AdminManager& manager_;
  const auth::TokenVerifier& verifier_;
  InflightLimit limit_{kMaxCalls};
  CallWorker worker_;  // Last: stops (after running what was posted) before the rest goes.
};

}  // namespace registry::transport
