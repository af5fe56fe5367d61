#include "tests/support/server_harness.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace registry::testing {
namespace {

std::string RandomMasterKeyLine() {
  unsigned char key[32];
  randombytes_buf(key, sizeof(key));
  char encoded[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(encoded, sizeof(encoded), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
  return std::string(encoded) + "\n";
}

}  // namespace

ServerHarness::ServerHarness(std::function<void(app::ServerConfig&)> customize) {
  if (sodium_init() < 0) std::abort();
  signing_key_ = devtoken::GenerateDevKey();
  WriteFile(dir_.File("master.key"), RandomMasterKeyLine());
  WriteFile(dir_.File("jwks.json"), devtoken::JwksForDevKey(signing_key_, "test"));
  config_.listen = "127.0.0.1:0";
  config_.data_dir = dir_.File("data");
  config_.master_key_file = dir_.File("master.key");
  config_.jwks_file = dir_.File("jwks.json");
  config_.jwt_issuer = kIssuer;
  config_.jwt_audience = kAudience;
  if (customize) customize(config_);
  Restart();
}

ServerHarness::~ServerHarness() { Stop(); }

void ServerHarness::Stop() {
  {
    absl::MutexLock lock(&channel_mu_);
    channel_.reset();
  }
  if (server_ != nullptr) server_->Shutdown(absl::ZeroDuration());
  server_.reset();
}

void ServerHarness::Restart() {
  if (absl::Status started = TryRestart(); !started.ok()) {
    std::cerr << "ServerHarness: start failed: " << started << "\n";
    std::abort();
  }
}

absl::Status ServerHarness::TryRestart() {
  Stop();
  // Port 0 picks a new port on every start.
  config_.listen = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<app::RegistryServer>> server = app::RegistryServer::Start(config_);
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  return absl::OkStatus();
}

void ServerHarness::RotateSigningKey() {
  signing_key_ = devtoken::GenerateDevKey();
  const std::string temp = dir_.File("jwks.json.new");
  WriteFile(temp, devtoken::JwksForDevKey(signing_key_, "test"));
  std::rename(temp.c_str(), config_.jwks_file.c_str());
}

std::string ServerHarness::address() const { return absl::StrCat("127.0.0.1:", port()); }

std::shared_ptr<grpc::Channel> ServerHarness::channel() {
  // Test threads start by asking for the channel at the same moment; an unguarded lazy init
  // let two of them race on channel_ and free a channel a stub was still using.
  absl::MutexLock lock(&channel_mu_);
  if (channel_ == nullptr) {
    channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
  }
  return channel_;
}

std::shared_ptr<grpc::Channel> ServerHarness::OwnConnection(int id) const {
  grpc::ChannelArguments arguments;
  arguments.SetInt("grpc.channel_id", id);  // Different arguments: no shared subchannel.
  return grpc::CreateCustomChannel(address(), grpc::InsecureChannelCredentials(), arguments);
}

std::unique_ptr<v1::RegistryService::Stub> ServerHarness::RegistryStub() {
  return v1::RegistryService::NewStub(channel());
}

std::string ServerHarness::Token(const std::string& subject, const std::string& scopes,
                                 absl::Duration ttl) const {
  devtoken::TokenClaims claims;
  claims.issuer = kIssuer;
  claims.audience = kAudience;
  claims.subject = subject;
  for (absl::string_view scope : absl::StrSplit(scopes, ' ', absl::SkipEmpty())) {
    claims.scopes.emplace_back(scope);
  }
  claims.issued_at =
      absl::Now() - (ttl < absl::ZeroDuration() ? absl::Hours(2) : absl::ZeroDuration());
  claims.ttl = ttl < absl::ZeroDuration() ? absl::Hours(2) + ttl : ttl;
  return Token(claims);
}

std::string ServerHarness::Token(const devtoken::TokenClaims& claims) const {
  return devtoken::MintToken(signing_key_, "test", claims);
}

std::unique_ptr<grpc::ClientContext> AuthContext(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

}  // namespace registry::testing
