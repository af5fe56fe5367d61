// gRPC handlers of cloudmanager.registry.v1.RegistryService: decode → RegistryManager → encode.
// The writes (Create, Update, Delete) are raw callback methods: no thread is held while a write
// syncs (concurrent writes share group commits without a thread each), and the handler decodes
// the request itself, so invalid UTF-8 is INVALID_ARGUMENT naming the field. The reads are sync.
#pragma once

#include "cloudmanager/registry/v1/registry_service.grpc.pb.h"
#include "server/auth/token_verifier.h"
#include "server/service/registry_manager.h"
#include "server/transport/inflight_limit.h"

namespace registry::transport {

namespace v1 = ::cloudmanager::registry::v1;

// Thin adapter: every method authenticates, calls the manager and maps the status through
// ToGrpcStatus. Thread-safe; `manager`, `verifier` and `write_limit` must outlive it. Writes
// past `write_limit` get RESOURCE_EXHAUSTED before any work.
class RegistryGrpcService final : public v1::RegistryService::WithRawCallbackMethod_CreateRegistry<
                                      v1::RegistryService::WithRawCallbackMethod_UpdateRegistry<
                                          v1::RegistryService::WithRawCallbackMethod_DeleteRegistry<
                                              v1::RegistryService::Service>>> {
 public:
  RegistryGrpcService(service::RegistryManager& manager, const auth::TokenVerifier& verifier,
                      InflightLimit& write_limit)
      : manager_(manager), verifier_(verifier), write_limit_(write_limit) {}

  // The raw callback methods (the request message in, the response message out), decoded by
  // the handler (see raw_message.h):
  grpc::ServerUnaryReactor* CreateRegistry(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateRegistry(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteRegistry(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  // The sync methods:
  grpc::Status GetRegistry(grpc::ServerContext* context, const v1::GetRegistryRequest* request,
                           v1::Registry* response) override;
  grpc::Status ListRegistries(grpc::ServerContext* context,
                              const v1::ListRegistriesRequest* request,
                              v1::ListRegistriesResponse* response) override;
  grpc::Status ListPresets(grpc::ServerContext* context, const v1::ListPresetsRequest* request,
                           v1::ListPresetsResponse* response) override;
  grpc::Status ListRegistryEvents(grpc::ServerContext* context,
                                  const v1::ListRegistryEventsRequest* request,
                                  v1::ListRegistryEventsResponse* response) override;

 private:
  service::RegistryManager& manager_;
  const auth::TokenVerifier& verifier_;
  InflightLimit& write_limit_;
};

}  // namespace registry::transport
