// Server transport credentials from flags: TLS, mTLS, or plaintext where that is safe.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "absl/status/statusor.h"
#include "server/app/server_config.h"
#include "server/app/tls_files.h"

namespace registry::app {

// The server's transport credentials and, with TLS, the checked files they read (which must
// live as long as the server).
struct ServerSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::unique_ptr<CheckedTlsFiles> tls_files;  // Null without TLS.
};

// TLS when tls_cert_file and tls_key_file are set (both or neither); additionally requires and
// verifies client certificates against tls_client_ca_file when set (mTLS). The files are checked
// again every tls_poll_interval (CheckedTlsFiles): replaced certificates are served without a
// restart, and replacements that do not check out are refused, keeping the last good ones.
// Without TLS, plaintext is allowed on loopback addresses only, unless insecure_listen is set
// (the caller logs a warning then). FAILED_PRECONDITION / INVALID_ARGUMENT with one clear line
// otherwise (files missing, unreadable, not PEM, or a key that is not the certificate's).
absl::StatusOr<ServerSecurity> BuildServerCredentials(const ServerConfig& config);

// True for 127.0.0.0/8, ::1 and localhost listen addresses.
bool IsLoopbackListenAddress(const std::string& listen);

}  // namespace registry::app
