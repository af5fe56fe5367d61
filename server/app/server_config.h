// ServerConfig: everything registryd needs to start, filled from flags by main.cc or by tests.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace registry::app {

struct ServerConfig {
  // host:port to listen on; port 0 picks a free port (see RegistryServer::port()).
  std::string listen = "127.0.0.1:50051";
  // Directory of the embedded RocksDB; created on first start.
  std::string data_dir;
  // Where AdminService.CreateBackup writes backups; empty turns backups off.
  std::string backup_dir;
  // One base64 32-byte key per line; the first is current, later lines are older keys.
  std::string master_key_file;
  // JWKS with the token signing keys.
  std::string jwks_file;
  // Required `iss` claim.
  std::string jwt_issuer;
  // Required `aud` claim.
  std::string jwt_audience = "registry-service";
  // Per-owner registry limit.
  int max_registries_per_owner = 200;
  // Largest request message accepted; larger ones get RESOURCE_EXHAUSTED before any work.
  int max_request_bytes = 1 << 20;
  // HTTP/2 streams one connection may have open at once; more wait in the client.
  int max_concurrent_streams = 100;
  // Threads serving the management calls (RegistryService reads, AdminService,
  // health), which block on durable writes. Past it, new calls are refused at once with
  // RESOURCE_EXHAUSTED instead of queueing without end.
  int max_threads = 256;
  // ResolveCredentials calls (callback API, no thread each) worked on at once, including those
  // waiting for their audit events to be durable. Past it, RESOURCE_EXHAUSTED at once.
  int max_inflight_resolves = 1024;
  // Create/Update/DeleteRegistry calls (callback API, no thread each) worked on at once,
  // including those waiting for their write to be durable. Past it, RESOURCE_EXHAUSTED at once.
  int max_inflight_writes = 1024;
  // Owners whose decoded registry index (match keys only, no secrets) stays in memory for
  // ResolveCredentials, and the bytes they may hold (~1.2 KiB for an owner of 10 registries).
  int resolve_cache_owners = 131072;
  int64_t resolve_cache_bytes = int64_t{192} << 20;
  // RocksDB's block cache: data, index and filter blocks (sealed bytes only).
  int64_t block_cache_bytes = int64_t{192} << 20;
  // Serve grpc.reflection.v1alpha so `grpcurl list` works.
  bool reflection = true;
  // Clock skew allowed for exp/nbf/iat.
  absl::Duration jwt_clock_skew = absl::Seconds(60);
  // How often the JWKS file is checked for changes (it is also reloaded on SIGHUP).
  absl::Duration jwks_poll_interval = absl::Seconds(10);
  // TLS server certificate chain and key (PEM); both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // When set, clients must present a certificate signed by this CA (mTLS).
  std::string tls_client_ca_file;
  // How often the three TLS files are checked again (at least 1 s); new connections use the last
  // set that passed, so a renewed certificate is served without a restart.
  absl::Duration tls_poll_interval = absl::Seconds(10);
  // Allow plaintext on a non-loopback address.
  bool insecure_listen = false;
  // JSON-lines audit log file, "-" for stdout, empty for none (the store always keeps events).
  std::string audit_log;
  // Stored audit events older than this are removed in the background.
  absl::Duration audit_retention = absl::Hours(24 * 30);
  // How often the retention sweep runs.
  absl::Duration audit_sweep_interval = absl::Minutes(1);
};

}  // namespace registry::app
