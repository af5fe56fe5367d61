// CredentialService.ResolveCredentials end to end through gRPC.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ResolveTest : public ::testing::Test {
 protected:
  ResolveTest() {
    Define("alice", "ghcr", "ghcr.io", v1::CREDENTIAL_TYPE_USERNAME_PASSWORD, "octocat",
           "ghp_alice_token");
    Define("alice", "ghcr-team", "ghcr.io/team", v1::CREDENTIAL_TYPE_USERNAME_PASSWORD, "team-bot",
           "ghp_team_token");
    Define("alice", "gcr", "*.gcr.io", v1::CREDENTIAL_TYPE_JSON_TOKEN, "",
           "{\n  \"type\": \"service_account\"\n}\n");
    Define("alice", "hub", "https://index.docker.io/v1/", v1::CREDENTIAL_TYPE_USERNAME_PASSWORD,
           "alicehub", "hub-password");
    Define("alice", "public", "registry.example.com:5000", v1::CREDENTIAL_TYPE_NONE, "", "");
    Define("bob", "ghcr", "ghcr.io", v1::CREDENTIAL_TYPE_OAUTH2_TOKEN, "", "bob-oauth-token");
  }

  void Define(const std::string& user, const std::string& id, const std::string& server,
              v1::CredentialType type, const std::string& username, const std::string& secret) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/" + user);
    request.set_registry_id(id);
    v1::Registry* registry = request.mutable_registry();
    registry->set_display_name(id);
    registry->set_server(server);
    registry->set_credential_type(type);
    registry->set_username(username);
    registry->set_email(username.empty() ? "" : username + "@example.com");
    if (type == v1::CREDENTIAL_TYPE_USERNAME_PASSWORD) registry->set_password(secret);
    if (type == v1::CREDENTIAL_TYPE_OAUTH2_TOKEN) registry->set_oauth2_token(secret);
    if (type == v1::CREDENTIAL_TYPE_JSON_TOKEN) registry->set_json_token(secret);
    v1::Registry response;
    grpc::Status status =
        registries_->CreateRegistry(AuthContext(server_.UserToken(user)).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  grpc::Status Resolve(const std::string& owner, std::vector<std::string> images,
                       v1::ResolveCredentialsResponse* response,
                       v1::Action action = v1::ACTION_PULL, const std::string& registry = "",
                       bool explain = false, const std::string& token = "") {
    v1::ResolveCredentialsRequest request;
    request.set_owner(owner);
    for (const auto& image : images) request.add_images(image);
    request.set_action(action);
    request.set_registry(registry);
    request.set_explain(explain);
    return credentials_->ResolveCredentials(
        AuthContext(token.empty() ? resolver_token_ : token).get(), request, response);
  }

  ServerHarness server_;
  std::unique_ptr<v1::RegistryService::Stub> registries_ = server_.RegistryStub();
  std::unique_ptr<v1::CredentialService::Stub> credentials_ =
      v1::CredentialService::NewStub(server_.channel());
  std::string resolver_token_ = server_.Token("deployer", "credentials.resolve");
};

TEST_F(ResolveTest, PullPicksTheMostSpecificRegistryPerImage) {
  v1::ResolveCredentialsResponse response;
  grpc::Status status = Resolve("users/alice",
                                {"ghcr.io/team/app:1.2", "ghcr.io/teammate/app",
                                 "eu.gcr.io/proj/img@sha256:" + std::string(64, 'a'), "nginx",
                                 "registry.example.com:5000/tools/x", "quay.io/coreos/etcd"},
                                &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.credentials_size(), 6);

  const auto& team = response.credentials(0);
  EXPECT_EQ(team.image(), "ghcr.io/team/app:1.2");
  EXPECT_EQ(team.reference(), "ghcr.io/team/app:1.2");
  EXPECT_EQ(team.registry(), "users/alice/registries/ghcr-team");
  EXPECT_EQ(team.server(), "ghcr.io");
  EXPECT_EQ(team.username(), "team-bot");
  EXPECT_EQ(team.password(), "ghp_team_token");
  EXPECT_EQ(team.email(), "team-bot@example.com");
  EXPECT_FALSE(team.anonymous());

  const auto& teammate = response.credentials(1);
  EXPECT_EQ(teammate.registry(), "users/alice/registries/ghcr");
  EXPECT_EQ(teammate.reference(), "ghcr.io/teammate/app:latest");
  EXPECT_EQ(teammate.password(), "ghp_alice_token");

  const auto& gcr = response.credentials(2);
  EXPECT_EQ(gcr.registry(), "users/alice/registries/gcr");
  EXPECT_EQ(gcr.server(), "eu.gcr.io");
  EXPECT_EQ(gcr.username(), "_json_key");
  EXPECT_EQ(gcr.password(), "{\n  \"type\": \"service_account\"\n}\n");

  const auto& hub = response.credentials(3);
  EXPECT_EQ(hub.reference(), "docker.io/library/nginx:latest");
  EXPECT_EQ(hub.registry(), "users/alice/registries/hub");
  EXPECT_EQ(hub.server(), "https://index.docker.io/v1/");
  EXPECT_EQ(hub.username(), "alicehub");

  const auto& open = response.credentials(4);
  EXPECT_EQ(open.registry(), "users/alice/registries/public");
  EXPECT_TRUE(open.anonymous());
  EXPECT_EQ(open.server(), "registry.example.com:5000");

  const auto& none = response.credentials(5);
  EXPECT_TRUE(none.anonymous());
  EXPECT_THAT(none.registry(), IsEmpty());
  EXPECT_EQ(none.server(), "quay.io");

  // The docker config carries every non-anonymous answer; two accounts on ghcr.io are scoped
  // by path.
  nlohmann::json config = nlohmann::json::parse(response.docker_config_json());
  const auto& auths = config.at("auths");
  EXPECT_TRUE(auths.contains("ghcr.io/team"));
  EXPECT_TRUE(auths.contains("eu.gcr.io"));
  EXPECT_TRUE(auths.contains("https://index.docker.io/v1/"));
  EXPECT_FALSE(auths.contains("quay.io"));
  EXPECT_FALSE(auths.contains("registry.example.com:5000"));
  EXPECT_EQ(auths.at("eu.gcr.io").at("password").get<std::string>(),
            "{\n  \"type\": \"service_account\"\n}\n");
}

TEST_F(ResolveTest, OwnersWithoutRegistriesGetTheGlobalDefaultForDockerHub) {
  v1::ResolveCredentialsResponse response;
  ASSERT_TRUE(Resolve("users/carol", {"nginx", "ghcr.io/x/y"}, &response).ok());
  EXPECT_EQ(response.credentials(0).registry(), "registries/docker-hub");
  EXPECT_TRUE(response.credentials(0).anonymous());
  EXPECT_EQ(response.credentials(0).server(), "https://index.docker.io/v1/");
  EXPECT_THAT(response.credentials(1).registry(), IsEmpty());
  EXPECT_TRUE(response.credentials(1).anonymous());
  EXPECT_EQ(nlohmann::json::parse(response.docker_config_json()).at("auths").size(), 0u);
}

TEST_F(ResolveTest, OwnersAreIsolated) {
  v1::ResolveCredentialsResponse response;
  ASSERT_TRUE(Resolve("users/bob", {"ghcr.io/team/app"}, &response).ok());
  EXPECT_EQ(response.credentials(0).registry(), "users/bob/registries/ghcr");
  EXPECT_EQ(response.credentials(0).username(), "oauth2accesstoken");
  EXPECT_EQ(response.credentials(0).password(), "bob-oauth-token");
  EXPECT_EQ(response.credentials(0).registry_token(), "bob-oauth-token");
  EXPECT_THAT(response.docker_config_json(), ::testing::Not(HasSubstr("ghp_")));
  // Bob's request cannot name Alice's registry.
  grpc::Status status = Resolve("users/bob", {"ghcr.io/team/app"}, &response, v1::ACTION_PULL,
                                "users/alice/registries/ghcr");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("registry"));
}

TEST_F(ResolveTest, PushNeedsCredentialsForEveryImage) {
  v1::ResolveCredentialsResponse response;
  EXPECT_TRUE(Resolve("users/alice", {"ghcr.io/team/app"}, &response, v1::ACTION_PUSH).ok());
  grpc::Status status =
      Resolve("users/alice", {"ghcr.io/team/app", "quay.io/x/y"}, &response, v1::ACTION_PUSH);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("images[1]"));
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("ghp_")));
  // The global Docker Hub default is anonymous: no push through it.
  status = Resolve("users/carol", {"nginx"}, &response, v1::ACTION_PUSH);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // A NONE registry is anonymous too.
  status = Resolve("users/alice", {"registry.example.com:5000/x"}, &response, v1::ACTION_PUSH);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ResolveTest, ExplicitRegistryIsTheOnlyOneConsidered) {
  v1::ResolveCredentialsResponse response;
  ASSERT_TRUE(Resolve("users/alice", {"ghcr.io/team/app"}, &response, v1::ACTION_PULL,
                      "users/alice/registries/ghcr")
                  .ok());
  EXPECT_EQ(response.credentials(0).registry(), "users/alice/registries/ghcr");
  EXPECT_EQ(response.credentials(0).password(), "ghp_alice_token");
  EXPECT_EQ(Resolve("users/alice", {"quay.io/x/y"}, &response, v1::ACTION_PULL,
                    "users/alice/registries/ghcr")
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Resolve("users/alice", {"nginx"}, &response, v1::ACTION_PULL,
                    "users/alice/registries/missing")
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(
      Resolve("users/alice", {"nginx"}, &response, v1::ACTION_PULL, "registries/docker-hub").ok());
  EXPECT_EQ(response.credentials(0).registry(), "registries/docker-hub");
  EXPECT_TRUE(response.credentials(0).anonymous());
}

TEST_F(ResolveTest, ExplainListsEveryRegistryInTheOrderTried) {
  v1::ResolveCredentialsResponse response;
  ASSERT_TRUE(Resolve("users/alice", {"ghcr.io/team/app"}, &response, v1::ACTION_PULL, "",
                      /*explain=*/true)
                  .ok());
  const auto& explanation = response.credentials(0).explanation();
  ASSERT_EQ(explanation.size(), 5);
  EXPECT_EQ(explanation[0].registry(), "users/alice/registries/ghcr-team");  // One path segment.
  EXPECT_TRUE(explanation[0].chosen());
  int matched = 0, chosen = 0;
  for (const auto& step : explanation) {
    matched += step.matched();
    chosen += step.chosen();
    EXPECT_THAT(step.reason(), ::testing::Not(IsEmpty()));
  }
  EXPECT_EQ(matched, 2);
  EXPECT_EQ(chosen, 1);
  // Without explain there is none.
  ASSERT_TRUE(Resolve("users/alice", {"ghcr.io/team/app"}, &response).ok());
  EXPECT_THAT(response.credentials(0).explanation(), IsEmpty());
  // Explaining again (the owner's registries are cached now, without their servers as stored)
  // still shows each server as stored and names the registry that was more specific.
  ASSERT_TRUE(Resolve("users/alice", {"ghcr.io/team/app"}, &response, v1::ACTION_PULL, "",
                      /*explain=*/true)
                  .ok());
  std::map<std::string, std::string> server_of;
  std::string not_chosen_reason;
  for (const auto& step : response.credentials(0).explanation()) {
    server_of[step.registry()] = step.server();
    if (step.matched() && !step.chosen()) not_chosen_reason = step.reason();
  }
  EXPECT_EQ(server_of["users/alice/registries/ghcr-team"], "ghcr.io/team");
  EXPECT_EQ(server_of["users/alice/registries/hub"], "https://index.docker.io/v1/");
  EXPECT_EQ(not_chosen_reason, "matched, but users/alice/registries/ghcr-team is more specific");
}

TEST_F(ResolveTest, BatchOfOneHundredResolvesInOrder) {
  std::vector<std::string> images;
  for (int i = 0; i < 100; ++i) images.push_back("ghcr.io/team/app-" + std::to_string(i));
  v1::ResolveCredentialsResponse response;
  ASSERT_TRUE(Resolve("users/alice", images, &response).ok());
  ASSERT_EQ(response.credentials_size(), 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(response.credentials(i).image(), images[i]);
  images.push_back("one-too-many");
  grpc::Status status = Resolve("users/alice", images, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("images"));
}

TEST_F(ResolveTest, InvalidImagesAreNamedAndNothingIsResolved) {
  v1::ResolveCredentialsResponse response;
  grpc::Status status =
      Resolve("users/alice",
              {"nginx", "Nginx", "ghcr.io/team/app", "x@md5:abc", std::string(64, 'a')}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("images[1]", "images[3]", "images[4]"));
  EXPECT_EQ(response.credentials_size(), 0);
  status = Resolve("users/alice", {}, &response);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("images"));
  v1::ResolveCredentialsRequest request;
  request.set_owner("users/alice");
  request.add_images("nginx");
  status = credentials_->ResolveCredentials(AuthContext(resolver_token_).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("action"));
  status = Resolve("alice", {"nginx"}, &response);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("owner"));
}

TEST_F(ResolveTest, OnlyResolversMayResolve) {
  v1::ResolveCredentialsResponse response;
  EXPECT_EQ(Resolve("users/alice", {"nginx"}, &response, v1::ACTION_PULL, "", false,
                    server_.UserToken("alice"))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Resolve("users/alice", {"nginx"}, &response, v1::ACTION_PULL, "", false,
                    server_.Token("ops", "registry.admin"))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ResolveCredentialsRequest request;
  EXPECT_EQ(
      credentials_->ResolveCredentials(AuthContext("").get(), request, &response).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

// When the audit trail cannot take a call's events (here the audit log's disk is full), the
// call fails UNAVAILABLE and its answer, already encoded while the events were being recorded,
// is not sent.
TEST(ResolveAuditTest, AnAnswerWhoseEventsCannotBeRecordedIsNotSent) {
  ServerHarness server([](app::ServerConfig& config) { config.audit_log = "/dev/full"; });
  auto credentials = v1::CredentialService::NewStub(server.channel());
  v1::ResolveCredentialsRequest request;
  request.set_owner("users/carol");
  request.add_images("nginx");
  request.set_action(v1::ACTION_PULL);
  v1::ResolveCredentialsResponse response;
  grpc::Status status = credentials->ResolveCredentials(
      AuthContext(server.Token("deployer", "credentials.resolve")).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(response.credentials_size(), 0);
  EXPECT_THAT(response.docker_config_json(), IsEmpty());
}

}  // namespace
}  // namespace registry::testing
