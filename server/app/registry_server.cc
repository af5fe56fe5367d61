#include "server/app/registry_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/app/json_lines_audit_sink.h"
#include "server/app/log.h"
#include "server/app/tls.h"
#include "server/auth/jwt_verifier.h"
#include "server/seal/master_key.h"
#include "server/seal/sealed_barrier.h"
#include "server/service/registry_indexes.h"
#include "storage/rocksdb/rocksdb_backups.h"
#include "storage/rocksdb/rocksdb_kv_store.h"

namespace registry::app {
namespace {

// Decides reflection for one ServerBuilder. Linking libgrpc++_reflection registers its plugin
// for every server in the process, so the option first removes it, then adds it back if wanted.
class ReflectionOption final : public grpc::ServerBuilderOption {
 public:
  explicit ReflectionOption(bool enabled) : enabled_(enabled) {}

  // grpc::ServerBuilderOption:
  void UpdateArguments(grpc::ChannelArguments* arguments) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    auto reflection = std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>();
    const std::string name = reflection->name();
    std::erase_if(*plugins, [&](const auto& plugin) { return plugin->name() == name; });
    if (enabled_) plugins->push_back(std::move(reflection));
  }

 private:
  const bool enabled_;
};

void LogJwksReload(const std::string& path, const absl::Status& reloaded) {
  if (reloaded.ok()) {
    Log(LogLevel::kInfo, absl::StrCat("reloaded JWKS ", path));
  } else {
    Log(LogLevel::kWarning,
        absl::StrCat("JWKS reload failed, keeping the previous keys: ", reloaded.message()));
  }
}

absl::Status CheckConfig(const ServerConfig& config) {
  if (config.data_dir.empty()) return absl::InvalidArgumentError("--data-dir is required");
  if (config.master_key_file.empty()) {
    return absl::InvalidArgumentError("--master-key-file is required");
  }
  if (config.jwks_file.empty()) return absl::InvalidArgumentError("--jwks-file is required");
  if (config.jwt_issuer.empty()) return absl::InvalidArgumentError("--jwt-issuer is required");
  if (config.jwt_audience.empty()) {
    return absl::InvalidArgumentError("--jwt-audience must not be empty");
  }
  if (config.max_threads < 4) return absl::InvalidArgumentError("--max-threads must be at least 4");
  if (config.resolve_cache_owners < 1) {
    return absl::InvalidArgumentError("--resolve-cache-owners must be at least 1");
  }
  if (config.resolve_cache_bytes < 1) {
    return absl::InvalidArgumentError("--resolve-cache-bytes must be at least 1");
  }
  if (config.block_cache_bytes < (1 << 20)) {
    return absl::InvalidArgumentError("--block-cache-bytes must be at least 1048576 (1 MiB)");
  }
  if (config.max_inflight_resolves < 1) {
    return absl::InvalidArgumentError("--max-inflight-resolves must be at least 1");
  }
  if (config.max_inflight_writes < 1) {
    return absl::InvalidArgumentError("--max-inflight-writes must be at least 1");
  }
  if (config.max_concurrent_streams < 1) {
    return absl::InvalidArgumentError("--max-concurrent-streams must be at least 1");
  }
  if (config.max_request_bytes < 1024) {
    return absl::InvalidArgumentError("--max-request-bytes must be at least 1024");
  }
  if (config.max_registries_per_owner < 1) {
    return absl::InvalidArgumentError("--max-registries-per-owner must be at least 1");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RegistryServer>> RegistryServer::Start(const ServerConfig& config) {
  if (absl::Status valid = CheckConfig(config); !valid.ok()) return valid;

  absl::StatusOr<seal::MasterKeys> master_keys = seal::LoadMasterKeyFile(config.master_key_file);
  if (!master_keys.ok()) return master_keys.status();

  absl::StatusOr<std::unique_ptr<storage::RocksDbKvStore>> store = storage::RocksDbKvStore::Open(
      {.path = config.data_dir,
       .block_cache_bytes = static_cast<size_t>(config.block_cache_bytes)});
  if (!store.ok()) return store.status();

  std::unique_ptr<RegistryServer> server(new RegistryServer());
  if (!config.backup_dir.empty()) {
    absl::StatusOr<std::unique_ptr<storage::RocksDbBackups>> backups =
        storage::RocksDbBackups::Open(**store, config.backup_dir);
    if (!backups.ok()) return backups.status();
    server->backups_ = *std::move(backups);
  }
  absl::StatusOr<seal::BarrierPtr> barrier =
      seal::OpenSealedBarrier(*std::move(store), *std::move(master_keys));
  if (!barrier.ok()) return barrier.status();
  server->barrier_ = *std::move(barrier);
  if (absl::Status indexed = service::EnsureRegistryIndexes(*server->barrier_); !indexed.ok()) {
    return indexed;
  }

  absl::StatusOr<std::unique_ptr<auth::ReloadingTokenVerifier>> verifier =
      auth::ReloadingTokenVerifier::Create(
          config.jwks_file, auth::JwtVerifierOptions{.issuer = config.jwt_issuer,
                                                     .audience = config.jwt_audience,
                                                     .clock_skew = config.jwt_clock_skew});
  if (!verifier.ok()) return verifier.status();
  server->verifier_ = *std::move(verifier);
  if (config.jwks_poll_interval > absl::ZeroDuration()) {
    absl::Status watching = server->verifier_->StartWatching(
        config.jwks_poll_interval,
        [path = config.jwks_file](const absl::Status& reloaded) { LogJwksReload(path, reloaded); });
    if (!watching.ok()) return watching;
  }

  service::AuditSinkPtr sink;
  if (!config.audit_log.empty()) {
    absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> file =
        JsonLinesAuditSink::Open(config.audit_log);
    if (!file.ok()) return file.status();
    sink = *std::move(file);
  }
  server->audit_ = std::make_unique<service::AuditLog>(*server->barrier_, std::move(sink));
  server->index_cache_ = std::make_unique<service::OwnerIndexCache>(
      config.resolve_cache_owners, static_cast<size_t>(config.resolve_cache_bytes));
  server->manager_ = std::make_unique<service::RegistryManager>(
      *server->barrier_, *server->audit_,
      service::RegistryManagerOptions{.max_registries_per_owner = config.max_registries_per_owner,
                                      .index_cache = server->index_cache_.get()});
  server->resolver_ = std::make_unique<service::CredentialResolver>(
      *server->barrier_, *server->audit_, server->index_cache_.get());
  server->admin_ = std::make_unique<service::AdminManager>(*server->barrier_, *server->audit_,
                                                           server->backups_.get());
  server->write_limit_ = std::make_unique<transport::InflightLimit>(config.max_inflight_writes);
  server->registry_service_ = std::make_unique<transport::RegistryGrpcService>(
      *server->manager_, *server->verifier_, *server->write_limit_);
  server->resolve_limit_ = std::make_unique<transport::InflightLimit>(config.max_inflight_resolves);
  server->credential_service_ = std::make_unique<transport::CredentialGrpcService>(
      *server->resolver_, *server->verifier_, *server->resolve_limit_);
  server->admin_service_ =
      std::make_unique<transport::AdminGrpcService>(*server->admin_, *server->verifier_);

  absl::StatusOr<ServerSecurity> security = BuildServerCredentials(config);
  if (!security.ok()) return security.status();
  server->tls_files_ = std::move(security->tls_files);
  if (config.tls_cert_file.empty() && !IsLoopbackListenAddress(config.listen)) {
    Log(LogLevel::kWarning, absl::StrCat("--insecure-listen: serving PLAINTEXT on ", config.listen,
                                         "; bearer tokens and resolved secrets cross the network "
                                         "unencrypted"));
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<ReflectionOption>(config.reflection));
  builder.AddListeningPort(config.listen, security->credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(config.max_request_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, config.max_concurrent_streams);
  grpc::ResourceQuota quota("registryd");
  quota.SetMaxThreads(config.max_threads);
  builder.SetResourceQuota(quota);
  // The sync server now serves only gRPC's reflection service, so gRPC's default of at most 2
  // idle polling threads is enough (the 64 kept idle while the writes were sync are not needed);
  // idle pollers still wake only once a second instead of every 10 ms.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 1000);
  builder.RegisterService(server->registry_service_.get());
  builder.RegisterService(server->credential_service_.get());
  builder.RegisterService(server->admin_service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen));
  }
  server->sweeper_ = std::thread(
      [raw = server.get(), retention = config.audit_retention,
       interval = config.audit_sweep_interval] { raw->SweepAuditEvents(retention, interval); });
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  Log(LogLevel::kInfo,
      absl::StrCat("serving on port ", server->port_, " with data dir ", config.data_dir));
  return server;
}

void RegistryServer::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(grace));
    server_->Wait();
  }
  if (verifier_ != nullptr) verifier_->StopWatching();
  stop_sweeping_.Notify();
  if (sweeper_.joinable()) sweeper_.join();
  registry_service_.reset();
  credential_service_.reset();
  resolve_limit_.reset();
  admin_service_.reset();
  admin_.reset();
  resolver_.reset();
  manager_.reset();
  index_cache_.reset();
  audit_.reset();
  backups_.reset();
  barrier_.reset();  // Closes RocksDB and releases the data dir lock.
}

RegistryServer::~RegistryServer() { Shutdown(absl::ZeroDuration()); }

absl::Status RegistryServer::ReloadJwks() {
  absl::Status reloaded = verifier_->Reload();
  LogJwksReload(verifier_->jwks_path(), reloaded);
  return reloaded;
}

void RegistryServer::SweepAuditEvents(absl::Duration retention, absl::Duration interval) {
  constexpr size_t kBatch = 1000;
  do {
    while (!stop_sweeping_.HasBeenNotified()) {
      absl::StatusOr<service::AuditLog::Purged> purged =
          audit_->PurgeOlderThan(absl::Now() - retention, kBatch);
      if (!purged.ok()) {
        Log(LogLevel::kWarning,
            absl::StrCat("audit retention sweep failed: ", purged.status().message()));
        break;
      }
      if (!purged->more) break;
    }
  } while (!stop_sweeping_.WaitForNotificationWithTimeout(interval));
}

}  // namespace registry::app
