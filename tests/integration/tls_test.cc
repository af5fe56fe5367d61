// TLS and mTLS through a real gRPC client; plaintext refused off loopback without
// --insecure-listen. Certificates come from the openssl CLI into a temp dir.
#include "server/app/tls.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/registryctl/registryctl.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/server_harness.h"
#include "tests/support/test_pki.h"

namespace registry::testing {
namespace {

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

  // Files that do not check out leave the last good ones in use: unreadable (a replacement
  // caught half way), a key that is not the certificate's, a key that does not parse.
  ASSERT_EQ(std::remove(key.c_str()), 0);
  absl::SleepFor(absl::Seconds(3));  // At least two checks of the files.
  EXPECT_EQ(HealthCheck(server.address(), ClientOf(before)), grpc::StatusCode::OK);
  Replace(key, after.Read("server.key"));
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(HealthCheck(server.address(), ClientOf(before)), grpc::StatusCode::OK)
      << "a key that is not the certificate's was taken";
  Replace(key, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(HealthCheck(server.address(), ClientOf(before)), grpc::StatusCode::OK)
      << "a key that does not parse was taken";

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

TEST(TlsTest, StartRefusesTlsFilesThatDoNotCheckOut) {
  Pki pki;
  TempDir dir;
  WriteFile(dir.File("not-pem"), "just text\n");
  WriteFile(dir.File("huge.pem"), std::string((1 << 20) + 1, 'A'));
  struct Case {
    std::string cert, key, client_ca;
    absl::StatusCode code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"/nonexistent.pem", pki.File("server.key"), "", absl::StatusCode::kFailedPrecondition,
       "cannot read --tls-cert-file /nonexistent.pem"},
      {pki.File("server.pem"), pki.File("client.key"), "", absl::StatusCode::kInvalidArgument,
       "--tls-key-file is not the key of the first certificate in --tls-cert-file"},
      {pki.File("server.pem"), dir.File("not-pem"), "", absl::StatusCode::kInvalidArgument,
       "--tls-key-file holds no unencrypted PEM private key"},
      {pki.File("server.key"), pki.File("server.key"), "", absl::StatusCode::kInvalidArgument,
       "--tls-cert-file holds no PEM certificate"},
      {pki.File("server.pem"), pki.File("server.key"), dir.File("not-pem"),
       absl::StatusCode::kInvalidArgument, "--tls-client-ca-file"},
      {dir.File("huge.pem"), pki.File("server.key"), "", absl::StatusCode::kInvalidArgument,
       "is larger than 1048576 bytes"},
  };
  for (const Case& c : cases) {
    app::ServerConfig config;
    config.tls_cert_file = c.cert;
    config.tls_key_file = c.key;
    config.tls_client_ca_file = c.client_ca;
    auto refused = app::BuildServerCredentials(config);
    EXPECT_EQ(refused.status().code(), c.code) << c.says;
    EXPECT_THAT(refused.status().message(), ::testing::HasSubstr(c.says));
  }
}

}  // namespace
}  // namespace registry::testing
