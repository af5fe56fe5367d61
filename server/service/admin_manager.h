// AdminManager: operator use cases on the sealing keys (scope registry.admin), audited.
#pragma once

#include "absl/status/statusor.h"
#include "cloudmanager/registry/v1/admin_service.pb.h"
#include "server/seal/barrier.h"
#include "server/service/audit_log.h"
#include "server/service/call.h"
#include "storage/backups.h"

namespace registry::service {

namespace v1 = ::cloudmanager::registry::v1;

// Thread-safe. Both calls run online: the store keeps serving reads and writes.
class AdminManager final {
 public:
  // `barrier`, `audit` and `backups` must outlive the manager; `backups` may be null (no
  // --backup-dir: CreateBackup is FAILED_PRECONDITION).
  AdminManager(seal::Barrier& barrier, AuditLog& audit, storage::Backups* backups = nullptr)
      : barrier_(barrier), audit_(audit), backups_(backups) {}
  AdminManager(const AdminManager&) = delete;
  AdminManager& operator=(const AdminManager&) = delete;

  // Adds a keyring term. PERMISSION_DENIED without registry.admin.
  absl::StatusOr<v1::RotateDataKeyResponse> RotateDataKey(const Call& call,
                                                          const v1::RotateDataKeyRequest& request);
  // Re-seals one batch under the newest term; resumable through page_token.
  // INVALID_ARGUMENT on batch_size/page_token, PERMISSION_DENIED without registry.admin.
  absl::StatusOr<v1::RewrapSecretsResponse> RewrapSecrets(const Call& call,
                                                          const v1::RewrapSecretsRequest& request);
  // A consistent online backup of the whole store (sealed values as stored).
  absl::StatusOr<v1::CreateBackupResponse> CreateBackup(const Call& call,
                                                        const v1::CreateBackupRequest& request);

 private:
  seal::Barrier& barrier_;
  AuditLog& audit_;
  storage::Backups* backups_;
};

}  // namespace registry::service
