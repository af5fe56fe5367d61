// AdminClient: C++ client for cloudmanager.registry.v1.AdminService on absl::Status.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "client/registry_client.h"
#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"

namespace registry::client {

// Thread-safe if the stub is. Errors keep the server's code and BadRequest details.
class AdminClient final {
 public:
  AdminClient(std::unique_ptr<v1::AdminService::StubInterface> stub, ClientOptions options);

  absl::StatusOr<v1::RotateDataKeyResponse> RotateDataKey();
  absl::StatusOr<v1::CreateBackupResponse> CreateBackup();
  // One batch.
  absl::StatusOr<v1::RewrapSecretsResponse> RewrapSecrets(int batch_size,
                                                          const std::string& page_token);
  // Every batch until done; `progress` sees each response. Returns the last one.
  absl::StatusOr<v1::RewrapSecretsResponse> RewrapAll(
      int batch_size, const std::function<void(const v1::RewrapSecretsResponse&)>& progress);

 private:
  std::unique_ptr<v1::AdminService::StubInterface> stub_;
  ClientOptions options_;
};

}  // namespace registry::client
