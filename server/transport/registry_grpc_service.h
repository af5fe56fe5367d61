// gRPC handlers of cloudmanager.registry.v1.RegistryService: decode → RegistryManager → encode.
// CreateRegistry is served through the callback API (no thread held while its write syncs, so
// concurrent creates share group commits without a thread each); the other methods are sync.
#pragma once

#include "cloudmanager/registry/v1/registry_service.grpc.pb.h"
#include "server/auth/token_verifier.h"
#include "server/service/registry_manager.h"
#include "server/transport/inflight_limit.h"

namespace registry::transport {

namespace v1 = ::cloudmanager::registry::v1;

// Thin adapter: every method authenticates, calls the manager and maps the status through
// ToGrpcStatus. Thread-safe; `manager`, `verifier` and `create_limit` must outlive it. Creates
// past `create_limit` get RESOURCE_EXHAUSTED before any work.
class RegistryGrpcService final : public v1::RegistryService::WithRawCallbackMethod_CreateRegistry<
                                      v1::RegistryService::Service> {
 public:
  RegistryGrpcService(service::RegistryManager& manager, const auth::TokenVerifier& verifier,
                      InflightLimit& create_limit)
      : manager_(manager), verifier_(verifier), create_limit_(create_limit) {}

  // The raw callback method (CreateRegistryRequest in, Registry out), decoded by the handler so
  // an unparsable request gets INVALID_ARGUMENT naming the field (see raw_message.h):
  grpc::ServerUnaryReactor* CreateRegistry(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  // The sync methods:
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
  InflightLimit& create_limit_;
};

}  // namespace registry::transport
