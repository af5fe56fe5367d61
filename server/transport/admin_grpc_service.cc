#include "server/transport/admin_grpc_service.h"

#include "server/transport/serve.h"

namespace registry::transport {

grpc::Status AdminGrpcService::RotateDataKey(grpc::ServerContext* context,
                                             const v1::RotateDataKeyRequest* request,
                                             v1::RotateDataKeyResponse* response) {
  return Serve(*context, verifier_, response,
               [&](const service::Call& call) { return manager_.RotateDataKey(call, *request); });
}

grpc::Status AdminGrpcService::RewrapSecrets(grpc::ServerContext* context,
                                             const v1::RewrapSecretsRequest* request,
                                             v1::RewrapSecretsResponse* response) {
  return Serve(*context, verifier_, response,
               [&](const service::Call& call) { return manager_.RewrapSecrets(call, *request); });
}

grpc::Status AdminGrpcService::CreateBackup(grpc::ServerContext* context,
                                            const v1::CreateBackupRequest* request,
                                            v1::CreateBackupResponse* response) {
  return Serve(*context, verifier_, response,
               [&](const service::Call& call) { return manager_.CreateBackup(call, *request); });
}

}  // namespace registry::transport
