// Durability and at-rest secrecy: data survives restarts; no plaintext secret ever reaches a
// file in the data dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "plaintext-canary-password-7f3a9c";
constexpr char kOauthToken[] = "ya29.plaintext-canary-oauth-token-55e1";
constexpr char kJsonMarker[] = "plaintext-canary-private-key-b04d";

grpc::Status CreateRegistry(v1::RegistryService::Stub& stub, const std::string& token,
                            const std::string& id, const v1::Registry& registry) {
  v1::CreateRegistryRequest request;
  request.set_parent("users/alice");
  request.set_registry_id(id);
  *request.mutable_registry() = registry;
  v1::Registry response;
  return stub.CreateRegistry(AuthContext(token).get(), request, &response);
}

void CreateOneOfEachSecretKind(ServerHarness& server) {
  auto stub = server.RegistryStub();
  const std::string token = server.UserToken("alice");
  v1::Registry basic;
  basic.set_display_name("Quay");
  basic.set_server("quay.io");
  basic.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  basic.set_username("robot");
  basic.set_password(kPassword);
  ASSERT_TRUE(CreateRegistry(*stub, token, "quay", basic).ok());
  v1::Registry oauth;
  oauth.set_display_name("GCR token");
  oauth.set_server("gcr.io");
  oauth.set_credential_type(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN);
  oauth.set_oauth2_token(kOauthToken);
  ASSERT_TRUE(CreateRegistry(*stub, token, "gcr-token", oauth).ok());
  v1::Registry json;
  json.set_display_name("GCR key");
  json.set_server("*.gcr.io");
  json.set_credential_type(v1::CREDENTIAL_TYPE_JSON_TOKEN);
  json.set_json_token(std::string("{\"private_key\": \"") + kJsonMarker + "\"}\n");
  ASSERT_TRUE(CreateRegistry(*stub, token, "gcr-key", json).ok());
}

TEST(PersistenceTest, RestartKeepsEveryAcknowledgedRegistry) {
  ServerHarness server;
  CreateOneOfEachSecretKind(server);
  auto stub = server.RegistryStub();
  v1::Registry before;
  v1::GetRegistryRequest get;
  get.set_name("users/alice/registries/quay");
  ASSERT_TRUE(stub->GetRegistry(AuthContext(server.UserToken("alice")).get(), get, &before).ok());

  server.Restart();
  stub = server.RegistryStub();
  v1::ListRegistriesRequest list;
  list.set_parent("users/alice");
  v1::ListRegistriesResponse page;
  ASSERT_TRUE(stub->ListRegistries(AuthContext(server.UserToken("alice")).get(), list, &page).ok());
  ASSERT_EQ(page.registries_size(), 4);  // Global default + 3.
  v1::Registry after;
  ASSERT_TRUE(stub->GetRegistry(AuthContext(server.UserToken("alice")).get(), get, &after).ok());
  EXPECT_EQ(after.etag(), before.etag());
  EXPECT_EQ(after.username(), "robot");
  EXPECT_TRUE(after.secret_set());
}

TEST(PersistenceTest, NoFileInTheDataDirHoldsAPlaintextSecret) {
  ServerHarness server;
  CreateOneOfEachSecretKind(server);
  const std::string data_dir = server.config().data_dir;
  server.Stop();

  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string bytes = ReadFile(entry.path().string());
    EXPECT_THAT(bytes, Not(HasSubstr(kPassword))) << entry.path();
    EXPECT_THAT(bytes, Not(HasSubstr(kOauthToken))) << entry.path();
    EXPECT_THAT(bytes, Not(HasSubstr(kJsonMarker))) << entry.path();
    EXPECT_THAT(bytes, Not(HasSubstr("robot"))) << entry.path();  // Every value is sealed.
  }
  EXPECT_GT(files, 0);
}

TEST(PersistenceTest, ConcurrentCreatesNeverExceedTheLimitNorLoseWrites) {
  ServerHarness server([](app::ServerConfig& config) { config.max_registries_per_owner = 20; });
  const std::string token = server.UserToken("alice");
  std::atomic<int> created{0}, exhausted{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      auto stub = server.RegistryStub();
      for (int i = 0; i < 5; ++i) {
        v1::Registry registry;
        registry.set_display_name("r");
        registry.set_server("registry.example.com");
        registry.set_credential_type(v1::CREDENTIAL_TYPE_NONE);
        grpc::Status status = CreateRegistry(*stub, token, "", registry);
        if (status.ok()) ++created;
        if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++exhausted;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(created.load(), 20);
  EXPECT_EQ(exhausted.load(), 20);
  server.Restart();
  auto stub = server.RegistryStub();
  v1::ListRegistriesRequest list;
  list.set_parent("users/alice");
  list.set_page_size(100);
  v1::ListRegistriesResponse page;
  ASSERT_TRUE(stub->ListRegistries(AuthContext(token).get(), list, &page).ok());
  EXPECT_EQ(page.registries_size(), 21);
}

}  // namespace
}  // namespace registry::testing
