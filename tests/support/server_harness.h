// ServerHarness: a real registryd (RegistryServer) on a port-0 loopback socket over real
// RocksDB in a temp dir, with a fresh master key and dev signing key, plus helpers to mint
// tokens and build stubs. Restart() keeps the data dir and keys.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/devtoken/mint.h"
#include "cloudmanager/registry/v1/registry_service.grpc.pb.h"
#include "server/app/registry_server.h"
#include "tests/support/temp_dir.h"

namespace registry::testing {

namespace v1 = ::cloudmanager::registry::v1;

inline constexpr char kIssuer[] = "https://issuer.test";
inline constexpr char kAudience[] = "registry-service";

class ServerHarness final {
 public:
  // Starts a server; `customize` may change the config before start. Aborts the test on error.
  explicit ServerHarness(std::function<void(app::ServerConfig&)> customize = nullptr);
  ~ServerHarness();

  // Shuts the server down (grace 0) and starts it again over the same data dir.
  void Restart();
  // Like Restart, but returns the start error instead of aborting (the server stays down).
  absl::Status TryRestart();
  // The running server (e.g. for ReloadJwks).
  app::RegistryServer& server() { return *server_; }
  void Stop();

  int port() const { return server_->port(); }
  std::string address() const;
  const app::ServerConfig& config() const { return config_; }
  const TempDir& dir() const { return dir_; }
  // One shared channel to the running server; safe to call from several threads at once.
  std::shared_ptr<grpc::Channel> channel();
  // A channel on a connection of its own (`id` tells the connections apart).
  std::shared_ptr<grpc::Channel> OwnConnection(int id) const;
  std::unique_ptr<v1::RegistryService::Stub> RegistryStub();

  // A valid token for `subject` with `scopes` (space separated); `ttl` may be negative.
  std::string Token(const std::string& subject, const std::string& scopes,
                    absl::Duration ttl = absl::Hours(1)) const;
  // Replaces the trusted signing key (and the JWKS file); tokens by the old key stop working
  // once the server reloads the JWKS.
  void RotateSigningKey();
  // A token minted with arbitrary claims by the trusted key.
  std::string Token(const devtoken::TokenClaims& claims) const;
  // A user's read+write token.
  std::string UserToken(const std::string& user) const {
    return Token(user, "registry.read registry.write");
  }

 private:
  TempDir dir_;
  app::ServerConfig config_;
  devtoken::DevKey signing_key_;
  std::unique_ptr<app::RegistryServer> server_;
  absl::Mutex channel_mu_;
  std::shared_ptr<grpc::Channel> channel_ ABSL_GUARDED_BY(channel_mu_);
};

// A ClientContext carrying `token` as a bearer credential and a 10 s deadline.
std::unique_ptr<grpc::ClientContext> AuthContext(const std::string& token);

// The google.rpc.BadRequest field paths in the status details, in order.
std::vector<std::string> ViolatedFields(const grpc::Status& status);

}  // namespace registry::testing
