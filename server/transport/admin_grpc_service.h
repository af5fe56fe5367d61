// gRPC handlers of cloudmanager.registry.v1.AdminService: decode → AdminManager → encode.
#pragma once

#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"
#include "server/auth/token_verifier.h"
#include "server/service/admin_manager.h"

namespace registry::transport {

namespace v1 = ::cloudmanager::registry::v1;

// Thin adapter; thread-safe. `manager` and `verifier` must outlive it.
class AdminGrpcService final : public v1::AdminService::Service {
 public:
  AdminGrpcService(service::AdminManager& manager, const auth::TokenVerifier& verifier)
      : manager_(manager), verifier_(verifier) {}

  // v1::AdminService::Service:
  grpc::Status RotateDataKey(grpc::ServerContext* context, const v1::RotateDataKeyRequest* request,
                             v1::RotateDataKeyResponse* response) override;
  grpc::Status RewrapSecrets(grpc::ServerContext* context, const v1::RewrapSecretsRequest* request,
                             v1::RewrapSecretsResponse* response) override;
  grpc::Status CreateBackup(grpc::ServerContext* context, const v1::CreateBackupRequest* request,
                            v1::CreateBackupResponse* response) override;

 private:
  service::AdminManager& manager_;
  const auth::TokenVerifier& verifier_;
};

}  // namespace registry::transport
