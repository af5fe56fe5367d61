#include "server/app/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace registry::app {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read --", flag, " ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  if (contents.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " ", path, " is not PEM"));
  }
  return contents.str();
}

}  // namespace

bool IsLoopbackListenAddress(const std::string& listen) {
  std::string host = listen;
  if (size_t colon = host.rfind(':'); colon != std::string::npos) host = host.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> BuildServerCredentials(
    const ServerConfig& config) {
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
    return grpc::InsecureServerCredentials();
  }
  // The files are checked once here, so a missing or non-PEM file stops the start with a clear
  // line; from then on gRPC's file watcher rereads them every tls_poll_interval and new
  // handshakes use what it read last (a renewed certificate needs no restart). A file it cannot
  // read (e.g. caught mid-replacement) is logged and retried; the last good pair stays in use.
  // A readable pair that is not a valid key and certificate is taken as it is (gRPC 1.51 does
  // not check it): handshakes fail until the files are fixed, so replace them atomically.
  for (const auto& [flag, path] : {std::pair{"tls-cert-file", &config.tls_cert_file},
                                   std::pair{"tls-key-file", &config.tls_key_file},
                                   std::pair{"tls-client-ca-file", &config.tls_client_ca_file}}) {
    if (path->empty()) continue;
    if (absl::Status readable = ReadPem(flag, *path).status(); !readable.ok()) return readable;
  }
  const unsigned int poll_seconds = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(config.tls_poll_interval)));
  auto files = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      config.tls_key_file, config.tls_cert_file, config.tls_client_ca_file, poll_seconds);
  grpc::experimental::TlsServerCredentialsOptions options(files);
  options.watch_identity_key_cert_pairs();
  if (config.tls_client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace registry::app
