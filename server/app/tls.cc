#include "server/app/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace registry::app {
namespace {

// How often gRPC's file watcher rereads the checked in-memory files: cheap (no parsing, no
// disk), so a checked change reaches new handshakes within a second.
constexpr unsigned int kCheckedFilesPollSeconds = 1;

}  // namespace

bool IsLoopbackListenAddress(const std::string& listen) {
  std::string host = listen;
  if (size_t colon = host.rfind(':'); colon != std::string::npos) host = host.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::StatusOr<ServerSecurity> BuildServerCredentials(const ServerConfig& config) {
  const bool has_cert = !config.tls_cert_file.empty();
  const bool has_key = !config.tls_key_file.empty();
  if (has_cert != has_key) {
    return absl::InvalidArgumentError("--tls-cert-file and --tls-key-file go together");
  }
  if (!has_cert) {
    if (!config.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls-client-ca-file needs --tls-cert-file/--tls-key-file");
    }
    if (!IsLoopbackListenAddress(config.listen) && !config.insecure_listen) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing plaintext gRPC on non-loopback ", config.listen,
          ": set --tls-cert-file/--tls-key-file, or --insecure-listen to accept the risk"));
    }
    return ServerSecurity{.credentials = grpc::InsecureServerCredentials(), .tls_files = nullptr};
  }
  // gRPC's file watcher would take any readable file, and a key that is not the certificate's
  // breaks every new handshake until fixed; it reads only what CheckedTlsFiles checked.
  absl::StatusOr<std::unique_ptr<CheckedTlsFiles>> checked =
      CheckedTlsFiles::Open({.cert = config.tls_cert_file,
                             .key = config.tls_key_file,
                             .client_ca = config.tls_client_ca_file},
                            std::max(absl::Seconds(1), config.tls_poll_interval));
  if (!checked.ok()) return checked.status();
  auto files = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      (*checked)->identity_path(), (*checked)->identity_path(), (*checked)->client_ca_path(),
      kCheckedFilesPollSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(files);
  options.watch_identity_key_cert_pairs();
  if (config.tls_client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return ServerSecurity{.credentials = grpc::experimental::TlsServerCredentials(options),
                        .tls_files = *std::move(checked)};
}

}  // namespace registry::app
