// gRPC handlers of cloudmanager.registry.v1.RegistryService: decode → RegistryManager → encode.
// Every method is a raw callback method that decodes its own request, so invalid UTF-8 is
// INVALID_ARGUMENT naming the field. The writes (Create, Update, Delete) hold no thread while they
// sync (concurrent writes share group commits without a thread each); the reads answer on the
// callback thread that received them.
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
using RawRegistryService = v1::RegistryService::WithRawCallbackMethod_GetRegistry<
    v1::RegistryService::WithRawCallbackMethod_ListRegistries<
        v1::RegistryService::WithRawCallbackMethod_CreateRegistry<
            v1::RegistryService::WithRawCallbackMethod_UpdateRegistry<
                v1::RegistryService::WithRawCallbackMethod_DeleteRegistry<
                    v1::RegistryService::WithRawCallbackMethod_ListPresets<
                        v1::RegistryService::WithRawCallbackMethod_ListRegistryEvents<
                            v1::RegistryService::Service>>>>>>>;

class RegistryGrpcService final : public RawRegistryService {
 public:
  RegistryGrpcService(service::RegistryManager& manager, const auth::TokenVerifier& verifier,
                      InflightLimit& write_limit)
      : manager_(manager), verifier_(verifier), write_limit_(write_limit) {}

  // The raw callback methods (the request message in, the response message out), decoded by
  // the handler (see raw_message.h). Writes:
  grpc::ServerUnaryReactor* CreateRegistry(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateRegistry(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteRegistry(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  // Reads:
  grpc::ServerUnaryReactor* GetRegistry(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListRegistries(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListPresets(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListRegistryEvents(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;

 private:
  service::RegistryManager& manager_;
  const auth::TokenVerifier& verifier_;
  InflightLimit& write_limit_;
};

}  // namespace registry::transport
