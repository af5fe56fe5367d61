// RegistryServer: wires storage → barrier → service → transport into a running gRPC server
// with health checking and reflection. Used by registryd's main and by integration tests.
#pragma once

#include <grpcpp/server.h>

#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/app/server_config.h"
#include "server/app/tls_files.h"
#include "server/auth/reloading_token_verifier.h"
#include "server/seal/barrier.h"
#include "server/service/admin_manager.h"
#include "server/service/audit_log.h"
#include "server/service/credential_resolver.h"
#include "server/service/registry_manager.h"
#include "server/transport/admin_grpc_service.h"
#include "server/transport/credential_grpc_service.h"
#include "server/transport/registry_grpc_service.h"
#include "storage/backups.h"

namespace registry::app {

class RegistryServer final {
 public:
  // Loads keys and the JWKS, opens (or creates) the data dir and starts serving; the health
  // status is SERVING when this returns. Errors are one clear line naming the problem:
  // FAILED_PRECONDITION / INVALID_ARGUMENT for bad config, a wrong master key or a data dir
  // in use, DATA_LOSS for a corrupt data dir, UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<RegistryServer>> Start(const ServerConfig& config);

  // Stops accepting calls, lets in-flight calls finish within `grace` (then cancels them),
  // and closes the store cleanly. Idempotent; also run by the destructor.
  void Shutdown(absl::Duration grace);

  ~RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  // Re-reads the JWKS file (SIGHUP); on error keeps the previous keys and returns the error.
  // Either way one log line says what happened.
  absl::Status ReloadJwks();

  // The bound port (useful with port 0).
  int port() const { return port_; }

 private:
  RegistryServer() = default;
  // Removes audit events older than the retention until stopped.
  void SweepAuditEvents(absl::Duration retention, absl::Duration interval);

  seal::BarrierPtr barrier_;
  storage::BackupsPtr backups_;  // Refers to the store the barrier owns.
  std::unique_ptr<auth::ReloadingTokenVerifier> verifier_;
  std::unique_ptr<service::AuditLog> audit_;
  std::unique_ptr<service::OwnerIndexCache> index_cache_;
  std::unique_ptr<service::RegistryManager> manager_;
  std::unique_ptr<service::CredentialResolver> resolver_;
  std::unique_ptr<service::AdminManager> admin_;
  std::unique_ptr<transport::InflightLimit> write_limit_;
  std::unique_ptr<transport::RegistryGrpcService> registry_service_;
  std::unique_ptr<transport::InflightLimit> resolve_limit_;
  std::unique_ptr<transport::CredentialGrpcService> credential_service_;
  std::unique_ptr<transport::AdminGrpcService> admin_service_;
  absl::Notification stop_sweeping_;
  std::thread sweeper_;
  // The TLS material gRPC reads (null without TLS); declared before server_, so it outlives it.
  std::unique_ptr<CheckedTlsFiles> tls_files_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace registry::app
