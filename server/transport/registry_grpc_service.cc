#include "server/transport/registry_grpc_service.h"

#include <utility>

#include "server/transport/call_context.h"
#include "server/transport/status_mapping.h"

namespace registry::transport {
namespace {

// Authenticates, runs `use_case(principal)` and moves its value into `response`.
template <typename Response, typename UseCase>
grpc::Status Serve(grpc::ServerContext& context, const auth::TokenVerifier& verifier,
                   Response* response, UseCase use_case) {
  absl::StatusOr<auth::Principal> caller = BeginCall(context, verifier);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto result = use_case(*caller);
  if constexpr (std::is_same_v<decltype(result), absl::Status>) {
    return ToGrpcStatus(result);
  } else {
    if (!result.ok()) return ToGrpcStatus(result.status());
    *response = *std::move(result);
    return grpc::Status::OK;
  }
}

}  // namespace

grpc::Status RegistryGrpcService::CreateRegistry(grpc::ServerContext* context,
                                                 const v1::CreateRegistryRequest* request,
                                                 v1::Registry* response) {
  return Serve(*context, verifier_, response, [&](const auth::Principal& caller) {
    return manager_.CreateRegistry(caller, *request);
  });
}

grpc::Status RegistryGrpcService::GetRegistry(grpc::ServerContext* context,
                                              const v1::GetRegistryRequest* request,
                                              v1::Registry* response) {
  return Serve(*context, verifier_, response, [&](const auth::Principal& caller) {
    return manager_.GetRegistry(caller, *request);
  });
}

grpc::Status RegistryGrpcService::ListRegistries(grpc::ServerContext* context,
                                                 const v1::ListRegistriesRequest* request,
                                                 v1::ListRegistriesResponse* response) {
  return Serve(*context, verifier_, response, [&](const auth::Principal& caller) {
    return manager_.ListRegistries(caller, *request);
  });
}

grpc::Status RegistryGrpcService::UpdateRegistry(grpc::ServerContext* context,
                                                 const v1::UpdateRegistryRequest* request,
                                                 v1::Registry* response) {
  return Serve(*context, verifier_, response, [&](const auth::Principal& caller) {
    return manager_.UpdateRegistry(caller, *request);
  });
}

grpc::Status RegistryGrpcService::DeleteRegistry(grpc::ServerContext* context,
                                                 const v1::DeleteRegistryRequest* request,
                                                 google::protobuf::Empty* response) {
  return Serve(*context, verifier_, response, [&](const auth::Principal& caller) {
    return manager_.DeleteRegistry(caller, *request);
  });
}

grpc::Status RegistryGrpcService::ListPresets(grpc::ServerContext* context,
                                              const v1::ListPresetsRequest* request,
                                              v1::ListPresetsResponse* response) {
  return Serve(*context, verifier_, response, [&](const auth::Principal& caller) {
    return manager_.ListPresets(caller, *request);
  });
}

}  // namespace registry::transport
