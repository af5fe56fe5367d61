#include "server/transport/registry_grpc_service.h"

#include <utility>

#include "server/core/registry_validation.h"
#include "server/transport/serve.h"

namespace registry::transport {

grpc::ServerUnaryReactor* RegistryGrpcService::CreateRegistry(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  return ServeRawAsync<v1::CreateRegistryRequest, v1::Registry>(
      *context, verifier_, write_limit_, *request, response,
      [this](const service::Call& call, v1::CreateRegistryRequest& decoded, auto answer) {
        manager_.CreateRegistryAsync(call, decoded, std::move(answer));
        core::ClearSecrets(*decoded.mutable_registry());  // The manager took its own copy.
      });
}

grpc::ServerUnaryReactor* RegistryGrpcService::UpdateRegistry(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  return ServeRawAsync<v1::UpdateRegistryRequest, v1::Registry>(
      *context, verifier_, write_limit_, *request, response,
      [this](const service::Call& call, v1::UpdateRegistryRequest& decoded, auto answer) {
        manager_.UpdateRegistryAsync(call, decoded, std::move(answer));
        core::ClearSecrets(*decoded.mutable_registry());  // The manager took its own copy.
      });
}

grpc::ServerUnaryReactor* RegistryGrpcService::DeleteRegistry(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  return ServeRawAsync<v1::DeleteRegistryRequest, google::protobuf::Empty>(
      *context, verifier_, write_limit_, *request, response,
      [this](const service::Call& call, v1::DeleteRegistryRequest& decoded, auto answer) {
        google::protobuf::Empty deleted;  // A delete answers nothing but its status.
        answer.prepare(deleted);
        manager_.DeleteRegistryAsync(call, decoded, std::move(answer.finish));
      });
}

grpc::ServerUnaryReactor* RegistryGrpcService::GetRegistry(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return ServeRaw<v1::GetRegistryRequest>(
      *context, verifier_, *request, response,
      [this](const service::Call& call, const v1::GetRegistryRequest& decoded) {
        return manager_.GetRegistry(call, decoded);
      });
}

grpc::ServerUnaryReactor* RegistryGrpcService::ListRegistries(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  return ServeRaw<v1::ListRegistriesRequest>(
      *context, verifier_, *request, response,
      [this](const service::Call& call, const v1::ListRegistriesRequest& decoded) {
        return manager_.ListRegistries(call, decoded);
      });
}

grpc::ServerUnaryReactor* RegistryGrpcService::ListPresets(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return ServeRaw<v1::ListPresetsRequest>(
      *context, verifier_, *request, response,
      [this](const service::Call& call, const v1::ListPresetsRequest& decoded) {
        return manager_.ListPresets(call, decoded);
      });
}

grpc::ServerUnaryReactor* RegistryGrpcService::ListRegistryEvents(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeRaw<v1::ListRegistryEventsRequest>(
      *context, verifier_, *request, response,
      [this](const service::Call& call, const v1::ListRegistryEventsRequest& decoded) {
        return manager_.ListRegistryEvents(call, decoded);
      });
}

}  // namespace registry::transport
