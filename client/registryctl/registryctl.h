// registryctl: the operator and developer CLI, built on client::RegistryClient. The whole
// program is this function so tests can run it with fake streams, environment and stub.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "cloudmanager/registry/v1/registry_service.grpc.pb.h"

namespace registry::ctl {

namespace v1 = ::cloudmanager::registry::v1;

// Everything the CLI touches outside itself.
struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  // Environment lookup; returns nullptr when unset.
  std::function<const char*(const char*)> getenv;
};

// The stubs registryctl talks through.
struct Stubs {
  std::unique_ptr<v1::RegistryService::StubInterface> registries;
  std::unique_ptr<v1::CredentialService::StubInterface> credentials;
  std::unique_ptr<v1::AdminService::StubInterface> admin;
};

// Where and how to connect. TLS is used when `tls_ca_pem` is set; a client certificate (mTLS)
// when `tls_cert_pem` and `tls_key_pem` are set too.
struct Connection {
  std::string address;
  std::string tls_ca_pem;
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

// Creates the stubs for a connection (a real channel in main, fakes in tests).
using StubFactory = std::function<Stubs(const Connection& connection)>;

// The real channel for `connection`.
std::shared_ptr<grpc::Channel> CreateChannel(const Connection& connection);

// Runs `registryctl <argv...>` (argv without the program name). Returns the exit code:
// 0 success, 1 the server refused or failed, 2 usage error.
int RunRegistryctl(const std::vector<std::string>& argv, Io io, const StubFactory& stubs);

}  // namespace registry::ctl
