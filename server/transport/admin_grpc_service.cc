#include "server/transport/admin_grpc_service.h"

#include "server/transport/serve.h"

namespace registry::transport {

grpc::ServerUnaryReactor* AdminGrpcService::RotateDataKey(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return ServeRawOnWorker<v1::RotateDataKeyRequest>(
      *context, verifier_, limit_, worker_, *request, response,
      [this](const service::Call& call, const v1::RotateDataKeyRequest& decoded) {
        return manager_.RotateDataKey(call, decoded);
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::RewrapSecrets(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return ServeRawOnWorker<v1::RewrapSecretsRequest>(
      *context, verifier_, limit_, worker_, *request, response,
      [this](const service::Call& call, const v1::RewrapSecretsRequest& decoded) {
        return manager_.RewrapSecrets(call, decoded);
      });
}

grpc::ServerUnaryReactor* AdminGrpcService::CreateBackup(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return ServeRawOnWorker<v1::CreateBackupRequest>(
      *context, verifier_, limit_, worker_, *request, response,
      [this](const service::Call& call, const v1::CreateBackupRequest& decoded) {
        return manager_.CreateBackup(call, decoded);
      });
}

}  // namespace registry::transport
