#include "server/transport/registry_grpc_service.h"

#include <utility>

#include "server/transport/serve.h"

namespace registry::transport {

grpc::Status RegistryGrpcService::CreateRegistry(grpc::ServerContext* context,
                                                 const v1::CreateRegistryRequest* request,
                                                 v1::Registry* response) {
  return Serve(*context, verifier_, response, [&](const service::Call& caller) {
    return manager_.CreateRegistry(caller, *request);
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

grpc::Status RegistryGrpcService::UpdateRegistry(grpc::ServerContext* context,
                                                 const v1::UpdateRegistryRequest* request,
                                                 v1::Registry* response) {
  return Serve(*context, verifier_, response, [&](const service::Call& caller) {
    return manager_.UpdateRegistry(caller, *request);
  });
}

grpc::Status RegistryGrpcService::DeleteRegistry(grpc::ServerContext* context,
                                                 const v1::DeleteRegistryRequest* request,
                                                 google::protobuf::Empty* response) {
  return Serve(*context, verifier_, response, [&](const service::Call& caller) {
    return manager_.DeleteRegistry(caller, *request);
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
