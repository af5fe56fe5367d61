#include "server/transport/registry_grpc_service.h"

#include <utility>

#include "server/core/registry_validation.h"
#include "server/transport/call_context.h"
#include "server/transport/raw_message.h"
#include "server/transport/serve.h"
#include "server/transport/status_mapping.h"

namespace registry::transport {

grpc::ServerUnaryReactor* RegistryGrpcService::CreateRegistry(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!create_limit_.TryAcquire()) {
    reactor->Finish(create_limit_.Refusal());
    return reactor;
  }
  auto finish = [this, reactor](const absl::Status& status) {
    create_limit_.Release();
    reactor->Finish(ToGrpcStatus(status));
  };
  absl::StatusOr<service::Call> call = BeginCall(*context, verifier_);
  if (!call.ok()) {
    finish(call.status());
    return reactor;
  }
  v1::CreateRegistryRequest decoded;
  if (absl::Status parsed = DecodeRequest(*request, decoded); !parsed.ok()) {
    finish(parsed);
    return reactor;
  }
  manager_.CreateRegistryAsync(*call, decoded,
                               [finish, response](absl::StatusOr<v1::Registry> created) {
                                 if (created.ok()) EncodeResponse(*created, *response);
                                 finish(created.status());
                               });
  core::ClearSecrets(*decoded.mutable_registry());
  return reactor;
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
