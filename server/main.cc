// registryd: flags → ServerConfig → RegistryServer; reloads the JWKS on SIGHUP; on
// SIGTERM/SIGINT shuts down within --shutdown-grace. Every flag can also be set as env
// REGISTRYD_<FLAG_IN_UPPER_SNAKE>; a flag on the command line wins over the environment.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "server/app/flag_names.h"
#include "server/app/log.h"
#include "server/app/process_hygiene.h"
#include "server/app/process_tuning.h"
#include "server/app/registry_server.h"
#include "storage/rocksdb/rocksdb_backups.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "host:port to serve gRPC on");
ABSL_FLAG(std::string, data_dir, "", "RocksDB data directory (created on first start)");
ABSL_FLAG(std::string, backup_dir, "", "where AdminService.CreateBackup writes backups");
ABSL_FLAG(std::string, from, "", "restore: the backup dir to restore from");
ABSL_FLAG(uint32_t, backup_id, 0, "restore: the backup to restore (0 = the latest)");
ABSL_FLAG(std::string, master_key_file, "",
          "file with one base64 32-byte master key per line; first line current");
ABSL_FLAG(std::string, jwks_file, "", "JWKS file with the token signing keys");
ABSL_FLAG(std::string, jwt_issuer, "", "required `iss` claim of bearer tokens");
ABSL_FLAG(std::string, jwt_audience, "registry-service", "required `aud` claim of bearer tokens");
ABSL_FLAG(int, max_registries_per_owner, 200, "registries one owner may define");
ABSL_FLAG(int, max_request_bytes, 1 << 20, "largest request accepted, in bytes");
ABSL_FLAG(bool, reflection, true, "serve gRPC server reflection");
ABSL_FLAG(int, max_concurrent_streams, 100, "HTTP/2 streams one connection may have open");
ABSL_FLAG(int, max_threads, 256,
          "threads of the sync server (gRPC's reflection service); past capacity "
          "new calls get RESOURCE_EXHAUSTED at once");
ABSL_FLAG(int, max_inflight_resolves, 1024,
          "ResolveCredentials calls worked on at once; more get RESOURCE_EXHAUSTED at once");
ABSL_FLAG(int, max_inflight_writes, 1024,
          "Create/Update/DeleteRegistry calls worked on at once; more get RESOURCE_EXHAUSTED at "
          "once");
ABSL_FLAG(int, resolve_cache_owners, 131072,
          "owners whose registry match keys (never secrets) are cached for ResolveCredentials");
ABSL_FLAG(int64_t, resolve_cache_bytes, int64_t{192} << 20,
          "memory the ResolveCredentials owner cache may hold, in bytes (~0.12 KiB per registry)");
ABSL_FLAG(int64_t, block_cache_bytes, int64_t{192} << 20,
          "RocksDB block cache, in bytes (sealed data, index and filter blocks)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "time in-flight calls get to finish on SIGTERM/SIGINT");
ABSL_FLAG(absl::Duration, jwt_clock_skew, absl::Seconds(60),
          "clock skew allowed when checking exp, nbf and iat");
ABSL_FLAG(std::string, tls_cert_file, "", "TLS certificate chain (PEM)");
ABSL_FLAG(std::string, tls_key_file, "", "TLS private key (PEM)");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "CA (PEM) that client certificates must chain to; enables mTLS");
ABSL_FLAG(bool, insecure_listen, false, "allow plaintext gRPC on a non-loopback --listen");
ABSL_FLAG(std::string, audit_log, "", "JSON-lines audit log file, - for stdout");
ABSL_FLAG(absl::Duration, audit_retention, absl::Hours(24 * 30),
          "stored audit events older than this are removed");

namespace {

constexpr const char* kFlagNames[] = {"listen",
                                      "data_dir",
                                      "master_key_file",
                                      "jwks_file",
                                      "jwt_issuer",
                                      "jwt_audience",
                                      "jwt_clock_skew",
                                      "max_registries_per_owner",
                                      "max_request_bytes",
                                      "reflection",
                                      "shutdown_grace",
                                      "tls_cert_file",
                                      "tls_key_file",
                                      "tls_client_ca_file",
                                      "insecure_listen",
                                      "audit_log",
                                      "audit_retention",
                                      "backup_dir",
                                      "max_concurrent_streams",
                                      "max_threads",
                                      "max_inflight_resolves",
                                      "max_inflight_writes",
                                      "resolve_cache_owners",
                                      "resolve_cache_bytes",
                                      "block_cache_bytes"};

// Applies REGISTRYD_<FLAG> environment variables; command-line flags parsed later override them.
bool ApplyEnvironment() {
  for (const char* name : kFlagNames) {
    std::string env = absl::StrCat("REGISTRYD_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(value, &error)) {
      registry::app::Log(registry::app::LogLevel::kError,
                         absl::StrCat("invalid ", env, ": ", error));
      return false;
    }
  }
  return true;
}

// `registryd restore --from BACKUP_DIR --data-dir DIR [--backup-id N]`: offline restore into a
// new or empty data dir. Start registryd on it with the same master key afterwards.
int Restore() {
  const std::string from = absl::GetFlag(FLAGS_from);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (from.empty() || data_dir.empty()) {
    registry::app::Log(registry::app::LogLevel::kError,
                       "restore needs --from BACKUP_DIR and --data-dir DIR");
    return 2;
  }
  absl::StatusOr<registry::storage::BackupInfo> restored =
      registry::storage::RestoreRocksDbBackup(from, data_dir, absl::GetFlag(FLAGS_backup_id));
  if (!restored.ok()) {
    registry::app::Log(registry::app::LogLevel::kError,
                       absl::StrCat("restore failed: ", restored.status().message()));
    return 1;
  }
  registry::app::Log(
      registry::app::LogLevel::kInfo,
      absl::StrCat("restored backup ", restored->backup_id, " (", restored->size_bytes,
                   " bytes, taken ", absl::FormatTime(restored->create_time), ") into ", data_dir));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  registry::app::TuneProcessForServing();
  absl::SetProgramUsageMessage(
      "registryd --data-dir=DIR --master-key-file=FILE --jwks-file=FILE --jwt-issuer=ISS\n"
      "  serves cloudmanager.registry.v1 over gRPC\n"
      "registryd restore --from=BACKUP_DIR --data-dir=DIR [--backup-id=N]\n"
      "  restores a backup offline into a new or empty data dir");
  if (absl::Status hardened = registry::app::DisableCoreDumps(); !hardened.ok()) {
    registry::app::Log(registry::app::LogLevel::kError,
                       absl::StrCat("refusing to start: ", hardened.message()));
    return 1;
  }
  if (!ApplyEnvironment()) return 2;
  std::vector<std::string> arg_storage;
  std::vector<char*> args = registry::app::NormalizeFlagNames(argc, argv, arg_storage);
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (positional.size() > 1) {
    if (std::string(positional[1]) == "restore" && positional.size() == 2) return Restore();
    registry::app::Log(registry::app::LogLevel::kError,
                       absl::StrCat("unknown command ", positional[1],
                                    " (registryd [restore --from DIR --data-dir DIR])"));
    return 2;
  }

  // Block the shutdown signals in every thread (gRPC's included) and wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  registry::app::ServerConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  config.master_key_file = absl::GetFlag(FLAGS_master_key_file);
  config.jwks_file = absl::GetFlag(FLAGS_jwks_file);
  config.jwt_issuer = absl::GetFlag(FLAGS_jwt_issuer);
  config.jwt_audience = absl::GetFlag(FLAGS_jwt_audience);
  config.max_registries_per_owner = absl::GetFlag(FLAGS_max_registries_per_owner);
  config.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  config.reflection = absl::GetFlag(FLAGS_reflection);
  config.jwt_clock_skew = absl::GetFlag(FLAGS_jwt_clock_skew);
  config.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  config.insecure_listen = absl::GetFlag(FLAGS_insecure_listen);
  config.audit_log = absl::GetFlag(FLAGS_audit_log);
  config.audit_retention = absl::GetFlag(FLAGS_audit_retention);
  config.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  config.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  config.max_threads = absl::GetFlag(FLAGS_max_threads);
  config.max_inflight_resolves = absl::GetFlag(FLAGS_max_inflight_resolves);
  config.max_inflight_writes = absl::GetFlag(FLAGS_max_inflight_writes);
  config.resolve_cache_owners = absl::GetFlag(FLAGS_resolve_cache_owners);
  config.resolve_cache_bytes = absl::GetFlag(FLAGS_resolve_cache_bytes);
  config.block_cache_bytes = absl::GetFlag(FLAGS_block_cache_bytes);

  auto server = registry::app::RegistryServer::Start(config);
  if (!server.ok()) {
    registry::app::Log(registry::app::LogLevel::kError,
                       absl::StrCat("refusing to start: ", server.status().message()));
    return 1;
  }
  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) {
    (void)(*server)->ReloadJwks();  // Logged either way; a bad file keeps the old keys.
  }
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  registry::app::Log(registry::app::LogLevel::kInfo,
                     absl::StrCat("received ", strsignal(received), "; draining for up to ",
                                  absl::FormatDuration(grace)));
  (*server)->Shutdown(grace);
  registry::app::Log(registry::app::LogLevel::kInfo, "stopped cleanly");
  return 0;
}
