// RegistryClient: a small C++ client for cloudmanager.registry.v1.RegistryService on
// absl::Status. It takes any stub (a real one from a channel, or a fake in tests).
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cloudmanager/registry/v1/registry_service.grpc.pb.h"

namespace registry::client {

namespace v1 = ::cloudmanager::registry::v1;

struct ClientOptions {
  // Sent as `authorization: Bearer <token>`; empty sends no credentials.
  std::string token;
  // Deadline of every call.
  absl::Duration timeout = absl::Seconds(10);
};

// Thread-safe if the stub is. Errors keep the server's code; BadRequest field violations are
// appended to the message as "(field: description; ...)".
class RegistryClient final {
 public:
  RegistryClient(std::unique_ptr<v1::RegistryService::StubInterface> stub, ClientOptions options);

  absl::StatusOr<v1::Registry> Create(const std::string& parent, const std::string& registry_id,
                                      const v1::Registry& registry);
  absl::StatusOr<v1::Registry> Get(const std::string& name);
  // One page.
  absl::StatusOr<v1::ListRegistriesResponse> List(const std::string& parent, int page_size,
                                                  const std::string& page_token);
  // Every page, following next_page_token.
  absl::StatusOr<std::vector<v1::Registry>> ListAll(const std::string& parent);
  absl::StatusOr<v1::Registry> Update(const v1::Registry& registry,
                                      const std::vector<std::string>& mask_paths);
  absl::Status Delete(const std::string& name, const std::string& etag);
  absl::StatusOr<v1::ListPresetsResponse> ListPresets();
  // One page of a registry's audit trail, newest first.
  absl::StatusOr<v1::ListRegistryEventsResponse> ListEvents(const std::string& registry,
                                                            int page_size,
                                                            const std::string& page_token);

 private:
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  std::unique_ptr<v1::RegistryService::StubInterface> stub_;
  ClientOptions options_;
};

// A channel to `address` (host:port) without TLS.
std::shared_ptr<grpc::Channel> CreateInsecureChannel(const std::string& address);

// Converts a gRPC status to absl::Status, appending any google.rpc.BadRequest violations found
// in its details to the message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace registry::client
