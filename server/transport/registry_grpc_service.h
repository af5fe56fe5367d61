// gRPC handlers of cloudmanager.registry.v1.RegistryService: decode → RegistryManager → encode.
#pragma once

#include "cloudmanager/registry/v1/registry_service.grpc.pb.h"
#include "server/auth/token_verifier.h"
#include "server/service/registry_manager.h"

namespace registry::transport {

namespace v1 = ::cloudmanager::registry::v1;

// Thin adapter: every method authenticates, calls the manager and maps the status through
// ToGrpcStatus. Thread-safe; `manager` and `verifier` must outlive it.
class RegistryGrpcService final : public v1::RegistryService::Service {
 public:
  RegistryGrpcService(service::RegistryManager& manager, const auth::TokenVerifier& verifier)
      : manager_(manager), verifier_(verifier) {}

  // v1::RegistryService::Service:
  grpc::Status CreateRegistry(grpc::ServerContext* context,
                              const v1::CreateRegistryRequest* request,
                              v1::Registry* response) override;
  grpc::Status GetRegistry(grpc::ServerContext* context, const v1::GetRegistryRequest* request,
                           v1::Registry* response) override;
  grpc::Status ListRegistries(grpc::ServerContext* context,
                              const v1::ListRegistriesRequest* request,
                              v1::ListRegistriesResponse* response) override;
  grpc::Status UpdateRegistry(grpc::ServerContext* context,
                              const v1::UpdateRegistryRequest* request,
                              v1::Registry* response) override;
  grpc::Status DeleteRegistry(grpc::ServerContext* context,
                              const v1::DeleteRegistryRequest* request,
                              google::protobuf::Empty* response) override;
  grpc::Status ListPresets(grpc::ServerContext* context, const v1::ListPresetsRequest* request,
                           v1::ListPresetsResponse* response) override;
  grpc::Status ListRegistryEvents(grpc::ServerContext* context,
                                  const v1::ListRegistryEventsRequest* request,
                                  v1::ListRegistryEventsResponse* response) override;

 private:
  service::RegistryManager& manager_;
  const auth::TokenVerifier& verifier_;
};

}  // namespace registry::transport
