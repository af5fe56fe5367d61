// Server transport credentials from flags: TLS, mTLS, or plaintext where that is safe.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "absl/status/statusor.h"
#include "server/app/server_config.h"

namespace registry::app {

// TLS when tls_cert_file and tls_key_file are set (both or neither); additionally requires and
// verifies client certificates against tls_client_ca_file when set (mTLS); the files are read
// again every tls_poll_interval, so replaced certificates are served without a restart. Without
// TLS, plaintext is allowed on loopback addresses only, unless insecure_listen is set (the caller
// logs a warning then). FAILED_PRECONDITION / INVALID_ARGUMENT with one clear line otherwise.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> BuildServerCredentials(
    const ServerConfig& config);

// True for 127.0.0.0/8, ::1 and localhost listen addresses.
bool IsLoopbackListenAddress(const std::string& listen);

}  // namespace registry::app
