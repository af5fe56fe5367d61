// Keys change without downtime: data-key rotation and rewrap online under concurrent load,
// master key change across a restart, JWKS rotation without a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "server/seal/master_key.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

grpc::Status Upsert(v1::RegistryService::Stub& stub, const std::string& token,
                    const std::string& id, const std::string& password, bool create) {
  v1::Registry response;
  if (create) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id(id);
    request.mutable_registry()->set_display_name(id);
    request.mutable_registry()->set_server("registry.example.com/" + id);
    request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
    request.mutable_registry()->set_username("u");
    request.mutable_registry()->set_password(password);
    return stub.CreateRegistry(AuthContext(token).get(), request, &response);
  }
  v1::UpdateRegistryRequest request;
  request.mutable_registry()->set_name("users/alice/registries/" + id);
  request.mutable_registry()->set_password(password);
  request.mutable_update_mask()->add_paths("password");
  return stub.UpdateRegistry(AuthContext(token).get(), request, &response);
}

std::string ResolvedPassword(v1::CredentialService::Stub& stub, const std::string& token,
                             const std::string& id) {
  v1::ResolveCredentialsRequest request;
  request.set_owner("users/alice");
  request.add_images("registry.example.com/" + id + "/app");
  request.set_action(v1::ACTION_PULL);
  v1::ResolveCredentialsResponse response;
  grpc::Status status = stub.ResolveCredentials(AuthContext(token).get(), request, &response);
  if (!status.ok()) return "error: " + status.error_message();
  return response.credentials(0).password();
}

TEST(KeyManagementTest, RotationAndRewrapRunOnlineAndLoseNothing) {
  ServerHarness server;
  const std::string alice = server.UserToken("alice");
  const std::string resolver = server.Token("deployer", "credentials.resolve");
  const std::string admin_token = server.Token("operator", "registry.admin");

  std::mutex mu;
  std::map<std::string, std::string> acknowledged;  // id → last acknowledged password
  std::atomic<bool> stop{false};
  std::atomic<int> read_errors{0}, writes{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&, w] {
      auto stub = server.RegistryStub();
      for (int n = 0; !stop.load(); ++n) {
        const std::string id = "r" + std::to_string(w) + "-" + std::to_string(n % 8);
        const std::string password = "pw-" + id + "-" + std::to_string(n);
        const bool create = n < 8;
        if (Upsert(*stub, alice, id, password, create).ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged[id] = password;
          ++writes;
        }
      }
    });
  }
  threads.emplace_back([&] {
    auto stub = v1::CredentialService::NewStub(server.channel());
    while (!stop.load()) {
      if (ResolvedPassword(*stub, resolver, "r0-0").rfind("error:", 0) == 0 && writes.load() > 8) {
        ++read_errors;
      }
    }
  });

  auto admin = v1::AdminService::NewStub(server.channel());
  auto rewrap_all = [&] {
    v1::RewrapSecretsRequest request;
    request.set_batch_size(5);
    v1::RewrapSecretsResponse response;
    for (int batches = 0; batches < 10000; ++batches) {
      grpc::Status status =
          admin->RewrapSecrets(AuthContext(admin_token).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok() || response.done()) break;
      request.set_page_token(response.next_page_token());
    }
    return response;
  };
  while (writes.load() < 30) absl::SleepFor(absl::Milliseconds(5));
  uint32_t term = 0;
  for (int rotation = 0; rotation < 2; ++rotation) {
    v1::RotateDataKeyResponse rotated;
    ASSERT_TRUE(admin->RotateDataKey(AuthContext(admin_token).get(), {}, &rotated).ok());
    EXPECT_GT(rotated.term(), term);
    term = rotated.term();
    rewrap_all();
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(read_errors.load(), 0);

  // With the writers stopped, one more pass leaves only the newest term.
  v1::RewrapSecretsResponse last = rewrap_all();
  ASSERT_TRUE(last.done());
  EXPECT_EQ(last.current_term(), term);
  ASSERT_EQ(last.values_by_term().size(), 1u);
  EXPECT_EQ(last.values_by_term().begin()->first, term);

  // Every acknowledged write is there with its acknowledged secret, also after a restart.
  server.Restart();
  auto credentials = v1::CredentialService::NewStub(server.channel());
  ASSERT_FALSE(acknowledged.empty());
  for (const auto& [id, password] : acknowledged) {
    EXPECT_EQ(ResolvedPassword(*credentials, resolver, id), password) << id;
  }
}

TEST(KeyManagementTest, RewrapResumeTokensCannotBeForged) {
  ServerHarness server;
  auto stub = server.RegistryStub();
  const std::string alice = server.UserToken("alice");
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(Upsert(*stub, alice, "r" + std::to_string(i), "pw", true).ok());
  auto admin = v1::AdminService::NewStub(server.channel());
  const std::string admin_token = server.Token("operator", "registry.admin");
  v1::RewrapSecretsRequest request;
  request.set_batch_size(2);
  v1::RewrapSecretsResponse response;
  ASSERT_TRUE(admin->RewrapSecrets(AuthContext(admin_token).get(), request, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());
  const std::string token = response.next_page_token();
  for (size_t i = 4; i < token.size(); ++i) {  // Flip every character after the prefix.
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    request.set_page_token(tampered);
    grpc::Status status = admin->RewrapSecrets(AuthContext(admin_token).get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << tampered;
    EXPECT_THAT(ViolatedFields(status), ::testing::ElementsAre("page_token"));
  }
  request.set_page_token("rw1.enp6");  // A well-formed body with no MAC.
  EXPECT_EQ(admin->RewrapSecrets(AuthContext(admin_token).get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_page_token(token);
  EXPECT_TRUE(admin->RewrapSecrets(AuthContext(admin_token).get(), request, &response).ok());
}

TEST(KeyManagementTest, MasterKeyChangeAcrossARestart) {
  ServerHarness server;
  const std::string alice = server.UserToken("alice");
  auto stub = server.RegistryStub();
  ASSERT_TRUE(Upsert(*stub, alice, "quay", "pw-before-change", true).ok());
  const std::string old_key = ReadFile(server.config().master_key_file);
  const std::string new_key = seal::GenerateMasterKeyLine() + "\n";

  WriteFile(server.config().master_key_file, new_key + old_key);  // New first, old below.
  ASSERT_TRUE(server.TryRestart().ok());
  WriteFile(server.config().master_key_file, new_key);  // The old line can go.
  ASSERT_TRUE(server.TryRestart().ok());
  auto credentials = v1::CredentialService::NewStub(server.channel());
  EXPECT_EQ(ResolvedPassword(*credentials, server.Token("d", "credentials.resolve"), "quay"),
            "pw-before-change");

  WriteFile(server.config().master_key_file, old_key);  // The old key alone no longer opens it.
  absl::Status refused = server.TryRestart();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), ::testing::HasSubstr("master key does not open"));
  WriteFile(server.config().master_key_file, new_key);
  EXPECT_TRUE(server.TryRestart().ok());
}

TEST(KeyManagementTest, SigningKeysRotateWithoutARestart) {
  ServerHarness server;
  auto stub = server.RegistryStub();
  const std::string old_token = server.UserToken("alice");
  v1::ListPresetsResponse presets;
  ASSERT_TRUE(stub->ListPresets(AuthContext(old_token).get(), {}, &presets).ok());

  server.RotateSigningKey();
  ASSERT_TRUE(server.server().ReloadJwks().ok());
  EXPECT_EQ(stub->ListPresets(AuthContext(old_token).get(), {}, &presets).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub->ListPresets(AuthContext(server.UserToken("alice")).get(), {}, &presets).ok());

  // A broken JWKS keeps the current keys.
  WriteFile(server.config().jwks_file, "{not json");
  EXPECT_FALSE(server.server().ReloadJwks().ok());
  EXPECT_TRUE(stub->ListPresets(AuthContext(server.UserToken("alice")).get(), {}, &presets).ok());
}

}  // namespace
}  // namespace registry::testing
