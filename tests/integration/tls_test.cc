// TLS and mTLS through a real gRPC client; plaintext refused off loopback without
// --insecure-listen. Certificates come from the openssl CLI into a temp dir.
#include "server/app/tls.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "client/registryctl/registryctl.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

// Runs `command` through the shell; aborts the test on failure.
void Shell(const std::string& command) {
  ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0) << command;
}

// A CA, a server certificate for localhost/127.0.0.1 and a client certificate, signed by it.
class Pki {
 public:
  Pki() {
    const std::string d = dir_.path();
    Shell(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ",
                       "-keyout ", d, "/ca.key -out ", d, "/ca.pem -subj /CN=test-ca -days 1"));
    for (const std::string name : {"server", "client"}) {
      Shell(absl::StrCat("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ",
                         "-keyout ", d, "/", name, ".key -out ", d, "/", name,
                         ".csr -subj /CN=", name == "server" ? "localhost" : "ci-client"));
      WriteFile(dir_.File(name + ".ext"), name == "server"
                                              ? "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                              : "extendedKeyUsage=clientAuth\n");
      Shell(absl::StrCat("openssl x509 -req -in ", d, "/", name, ".csr -CA ", d, "/ca.pem -CAkey ",
                         d, "/ca.key -CAcreateserial -days 1 -out ", d, "/", name, ".pem -extfile ",
                         d, "/", name, ".ext"));
    }
  }
  std::string File(const std::string& name) const { return dir_.File(name); }
  std::string Read(const std::string& name) const { return ReadFile(dir_.File(name)); }

 private:
  TempDir dir_;
};

grpc::StatusCode HealthCheck(const std::string& address,
                             std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments arguments;
  arguments.SetSslTargetNameOverride("localhost");
  auto channel = grpc::CreateCustomChannel(address, credentials, arguments);
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckResponse response;
  return health->Check(&context, {}, &response).error_code();
}

TEST(TlsTest, ServesTlsToClientsThatTrustTheCa) {
  Pki pki;
  ServerHarness server([&](app::ServerConfig& config) {
    config.tls_cert_file = pki.File("server.pem");
    config.tls_key_file = pki.File("server.key");
  });
  grpc::SslCredentialsOptions trust;
  trust.pem_root_certs = pki.Read("ca.pem");
  EXPECT_EQ(HealthCheck(server.address(), grpc::SslCredentials(trust)), grpc::StatusCode::OK);
  EXPECT_NE(HealthCheck(server.address(), grpc::InsecureChannelCredentials()),
            grpc::StatusCode::OK);
}

TEST(TlsTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  Pki pki;
  ServerHarness server([&](app::ServerConfig& config) {
    config.tls_cert_file = pki.File("server.pem");
    config.tls_key_file = pki.File("server.key");
    config.tls_client_ca_file = pki.File("ca.pem");
  });
  grpc::SslCredentialsOptions without_cert;
  without_cert.pem_root_certs = pki.Read("ca.pem");
  EXPECT_NE(HealthCheck(server.address(), grpc::SslCredentials(without_cert)),
            grpc::StatusCode::OK);
  grpc::SslCredentialsOptions with_cert = without_cert;
  with_cert.pem_private_key = pki.Read("client.key");
  with_cert.pem_cert_chain = pki.Read("client.pem");
  EXPECT_EQ(HealthCheck(server.address(), grpc::SslCredentials(with_cert)), grpc::StatusCode::OK);
  // A client certificate from another CA is refused.
  Pki stranger;
  grpc::SslCredentialsOptions foreign = without_cert;
  foreign.pem_private_key = stranger.Read("client.key");
  foreign.pem_cert_chain = stranger.Read("client.pem");
  EXPECT_NE(HealthCheck(server.address(), grpc::SslCredentials(foreign)), grpc::StatusCode::OK);
}

TEST(TlsTest, RegistryctlSpeaksTlsAndMutualTls) {
  Pki pki;
  ServerHarness server([&](app::ServerConfig& config) {
    config.tls_cert_file = pki.File("server.pem");
    config.tls_key_file = pki.File("server.key");
    config.tls_client_ca_file = pki.File("ca.pem");
  });
  auto run = [&](std::vector<std::string> argv) {
    std::istringstream in;
    std::ostringstream out, err;
    const std::string token = server.UserToken("alice");
    ctl::Io io{in, out, err, [&](const char* name) -> const char* {
                 return std::string(name) == "REGISTRYCTL_TOKEN" ? token.c_str() : nullptr;
               }};
    argv.insert(argv.begin(), {"--addr", server.address()});
    return ctl::RunRegistryctl(argv, io, [](const ctl::Connection& connection) {
      auto channel = ctl::CreateChannel(connection);
      return ctl::Stubs{v1::RegistryService::NewStub(channel), nullptr, nullptr};
    });
  };
  EXPECT_EQ(run({"--ca-file", pki.File("ca.pem"), "--cert-file", pki.File("client.pem"),
                 "--key-file", pki.File("client.key"), "presets"}),
            0);
  EXPECT_EQ(run({"--ca-file", pki.File("ca.pem"), "presets"}), 1);  // No client certificate.
  EXPECT_EQ(run({"presets"}), 1);                                   // Plaintext.
}

TEST(TlsTest, PlaintextOffLoopbackNeedsInsecureListen) {
  app::ServerConfig config;
  config.listen = "0.0.0.0:50051";
  auto refused = app::BuildServerCredentials(config);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("--insecure-listen"));
  config.insecure_listen = true;
  EXPECT_TRUE(app::BuildServerCredentials(config).ok());
  config.insecure_listen = false;
  for (const std::string loopback : {"127.0.0.1:1", "localhost:1", "[::1]:1"}) {
    config.listen = loopback;
    EXPECT_TRUE(app::BuildServerCredentials(config).ok()) << loopback;
  }
  config.tls_cert_file = "/nonexistent.pem";
  EXPECT_FALSE(app::BuildServerCredentials(config).ok());  // Key missing: both or neither.
}

}  // namespace
}  // namespace registry::testing
