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

grpc::Status RegistryGrpcService::GetRegistry(grpc::ServerContext* context,
                                              const v1::GetRegistryRequest* request,
                                              v1::Registry* response) {
  return Serve(*context, verifier_, response,
               [&](const service::Call& caller) { return manager_.GetRegistry(caller, *request); });
}

grpc::Status RegistryGrpcService::ListRegistries(grpc::ServerContext* context,
                                                 const v1::ListRegistriesRequest* request,
                                                 v1::ListRegistriesResponse* response) {
  return Serve(*context, verifier_, response, [&](const service::Call& caller) {
    return manager_.ListRegistries(caller, *request);
  });
}

grpc::Status RegistryGrpcService::ListPresets(grpc::ServerContext* context,
                                              const v1::ListPresetsRequest* request,
                                              v1::ListPresetsResponse* response) {
  return Serve(*context, verifier_, response,
               [&](const service::Call& caller) { return manager_.ListPresets(caller, *request); });
}

}  // namespace registry::transport

namespace registry::transport {

grpc::Status RegistryGrpcService::ListRegistryEvents(grpc::ServerContext* context,
                                                     const v1::ListRegistryEventsRequest* request,
                                                     v1::ListRegistryEventsResponse* response) {
  return Serve(*context, verifier_, response, [&](const service::Call& caller) {
    return manager_.ListRegistryEvents(caller, *request);
  });
}

}  // namespace registry::transport
