// TLS and mTLS through a real gRPC client; plaintext refused off loopback without
// --insecure-listen. Certificates come from the openssl CLI into a temp dir.
#include "server/app/tls.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <cstdio>
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
  // A fresh connection (and handshake) per check: no subchannel shared with an earlier channel
  // of the same arguments, nor its reconnect backoff after a failed handshake.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
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

// A client of `pki`'s CA presenting `pki`'s client certificate.
std::shared_ptr<grpc::ChannelCredentials> ClientOf(const Pki& pki) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = pki.Read("ca.pem");
  options.pem_private_key = pki.Read("client.key");
  options.pem_cert_chain = pki.Read("client.pem");
  return grpc::SslCredentials(options);
}

// Replaces `path` the way Kubernetes updates a mounted secret: a new file renamed over it.
void Replace(const std::string& path, const std::string& contents) {
  WriteFile(path + ".new", contents);
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0) << path;
}

TEST(TlsTest, ReplacedCertificatesAreServedWithoutARestart) {
  // The server starts with `before`'s server certificate and client CA, copied to files it
  // watches; they are then replaced by `after`'s (a renewal under a new CA, the harder case).
  Pki before, after;
  TempDir live;
  const std::string cert = live.File("tls.crt"), key = live.File("tls.key");
  const std::string client_ca = live.File("ca.crt");
  WriteFile(cert, before.Read("server.pem"));
  WriteFile(key, before.Read("server.key"));
  WriteFile(client_ca, before.Read("ca.pem"));
  ServerHarness server([&](app::ServerConfig& config) {
    config.tls_cert_file = cert;
    config.tls_key_file = key;
    config.tls_client_ca_file = client_ca;
    config.tls_poll_interval = absl::Seconds(1);
  });
  ASSERT_EQ(HealthCheck(server.address(), ClientOf(before)), grpc::StatusCode::OK);
  ASSERT_NE(HealthCheck(server.address(), ClientOf(after)), grpc::StatusCode::OK);

  // Unreadable files (a replacement caught half way) leave the last good ones in use.
  ASSERT_EQ(std::remove(key.c_str()), 0);
  absl::SleepFor(absl::Seconds(3));  // At least two checks of the files.
  EXPECT_EQ(HealthCheck(server.address(), ClientOf(before)), grpc::StatusCode::OK);

  Replace(client_ca, after.Read("ca.pem"));
  Replace(cert, after.Read("server.pem"));
  Replace(key, after.Read("server.key"));
  // The watcher checks every second; wait for the switch (60 s at most, so a server that never
  // reloads fails the test rather than hanging it).
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  grpc::StatusCode renewed = grpc::StatusCode::UNKNOWN;
  while (absl::Now() < give_up &&
         (renewed = HealthCheck(server.address(), ClientOf(after))) != grpc::StatusCode::OK) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(renewed, grpc::StatusCode::OK) << "the replaced certificates were never served";
  // The old certificate and the old client CA are no longer accepted.
  EXPECT_NE(HealthCheck(server.address(), ClientOf(before)), grpc::StatusCode::OK);
  grpc::SslCredentialsOptions old_client_new_trust;
  old_client_new_trust.pem_root_certs = after.Read("ca.pem");
  old_client_new_trust.pem_private_key = before.Read("client.key");
  old_client_new_trust.pem_cert_chain = before.Read("client.pem");
  EXPECT_NE(HealthCheck(server.address(), grpc::SslCredentials(old_client_new_trust)),
            grpc::StatusCode::OK);
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
