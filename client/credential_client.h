// CredentialClient: C++ client for cloudmanager.registry.v1.CredentialService on absl::Status.
// Takes any stub (real or fake).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/registry_client.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"

namespace registry::client {

struct ResolveOptions {
  std::string owner;
  std::vector<std::string> images;
  v1::Action action = v1::ACTION_PULL;
  std::string registry;  // Empty: every registry of the owner.
  bool explain = false;
};

// Thread-safe if the stub is. Errors keep the server's code and BadRequest details.
class CredentialClient final {
 public:
  CredentialClient(std::unique_ptr<v1::CredentialService::StubInterface> stub,
                   ClientOptions options);

  absl::StatusOr<v1::ResolveCredentialsResponse> Resolve(const ResolveOptions& options);

 private:
  std::unique_ptr<v1::CredentialService::StubInterface> stub_;
  ClientOptions options_;
};

}  // namespace registry::client
