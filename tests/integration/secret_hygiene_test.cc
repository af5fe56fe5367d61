// Planted secrets and tokens never leak: registryd runs as a process with --audit-log; the test
// drives every RPC with known secrets and bearer tokens, succeeding and failing, then scans the
// server's log, the audit file and every file of the data dir.
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "tests/support/server_harness.h"
#include "tests/support/subprocess.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "canary-password-3f9e1b";
constexpr char kOauthToken[] = "canary-oauth-token-88aa21";
constexpr char kJsonKeyMarker[] = "canary-private-key-d41d8c";
constexpr char kMasterKey[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

TEST(SecretHygieneTest, NoLogLineAuditEventOrFileHoldsASecretOrAToken) {
  TempDir dir;
  WriteFile(dir.File("master.key"), kMasterKey);
  devtoken::DevKey key = devtoken::GenerateDevKey();
  WriteFile(dir.File("jwks.json"), devtoken::JwksForDevKey(key, "test"));
  Subprocess server(
      {REGISTRYD_PATH, "--listen=127.0.0.1:0", "--data-dir=" + dir.File("data"),
       "--master-key-file=" + dir.File("master.key"), "--jwks-file=" + dir.File("jwks.json"),
       "--jwt-issuer=" + std::string(kIssuer), "--audit-log=" + dir.File("audit.jsonl")},
      {}, dir.File("registryd.log"));
  ASSERT_TRUE(server.WaitForLog("serving on port", absl::Seconds(30))) << server.Log();
  const std::string log_text = server.Log();
  const size_t at = log_text.find("serving on port ") + 16;
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + log_text.substr(at, log_text.find(' ', at) - at),
                          grpc::InsecureChannelCredentials());
  auto registries = v1::RegistryService::NewStub(channel);
  auto credentials = v1::CredentialService::NewStub(channel);
  auto admin = v1::AdminService::NewStub(channel);

  auto mint = [&](const std::string& subject, std::vector<std::string> scopes,
                  absl::Duration ttl = absl::Hours(1)) {
    devtoken::TokenClaims claims;
    claims.issuer = kIssuer;
    claims.audience = kAudience;
    claims.subject = subject;
    claims.scopes = std::move(scopes);
    claims.issued_at = absl::Now() - absl::Hours(2);
    claims.ttl = absl::Hours(2) + ttl;
    return devtoken::MintToken(key, "test", claims);
  };
  const std::string alice = mint("alice", {"registry.read", "registry.write"});
  const std::string resolver = mint("deployer", {"credentials.resolve"});
  const std::string operator_token = mint("operator", {"registry.admin"});
  const std::string expired = mint("alice", {"registry.read"}, absl::Minutes(-5));
  const std::vector<std::string> planted_tokens = {alice, resolver, operator_token, expired};

  auto create = [&](const std::string& id, v1::CredentialType type, const std::string& server_url,
                    const std::string& token) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id(id);
    v1::Registry* r = request.mutable_registry();
    r->set_display_name(id);
    r->set_server(server_url);
    r->set_credential_type(type);
    if (type == v1::CREDENTIAL_TYPE_USERNAME_PASSWORD)
      r->set_username("robot"), r->set_password(kPassword);
    if (type == v1::CREDENTIAL_TYPE_OAUTH2_TOKEN) r->set_oauth2_token(kOauthToken);
    if (type == v1::CREDENTIAL_TYPE_JSON_TOKEN) {
      r->set_json_token(std::string("{\"private_key\":\"") + kJsonKeyMarker + "\"}");
    }
    v1::Registry response;
    return registries->CreateRegistry(AuthContext(token).get(), request, &response);
  };
  // Successful writes of every secret kind.
  ASSERT_TRUE(create("quay", v1::CREDENTIAL_TYPE_USERNAME_PASSWORD, "quay.io", alice).ok());
  ASSERT_TRUE(create("gcr", v1::CREDENTIAL_TYPE_OAUTH2_TOKEN, "gcr.io", alice).ok());
  ASSERT_TRUE(create("gar", v1::CREDENTIAL_TYPE_JSON_TOKEN, "*-docker.pkg.dev", alice).ok());
  // Failing writes carrying secrets: bad server, duplicate, expired token, wrong tree.
  EXPECT_FALSE(create("bad", v1::CREDENTIAL_TYPE_USERNAME_PASSWORD, "ftp://x?y", alice).ok());
  EXPECT_FALSE(create("quay", v1::CREDENTIAL_TYPE_USERNAME_PASSWORD, "quay.io", alice).ok());
  EXPECT_FALSE(create("late", v1::CREDENTIAL_TYPE_OAUTH2_TOKEN, "gcr.io", expired).ok());
  EXPECT_FALSE(create("other", v1::CREDENTIAL_TYPE_OAUTH2_TOKEN, "gcr.io", resolver).ok());
  // A wrong-type secret is refused without echoing it.
  {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.mutable_registry()->set_display_name("x");
    request.mutable_registry()->set_server("x.io");
    request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_NONE);
    request.mutable_registry()->set_password(kPassword);
    v1::Registry response;
    grpc::Status status = registries->CreateRegistry(AuthContext(alice).get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), Not(HasSubstr(kPassword)));
    EXPECT_THAT(status.error_details(), Not(HasSubstr(kPassword)));
  }
  // Updates (secret change, failing update), reads, lists, events, presets.
  {
    v1::UpdateRegistryRequest request;
    request.mutable_registry()->set_name("users/alice/registries/quay");
    request.mutable_registry()->set_password(std::string(kPassword) + "-v2");
    request.mutable_update_mask()->add_paths("password");
    v1::Registry response;
    EXPECT_TRUE(registries->UpdateRegistry(AuthContext(alice).get(), request, &response).ok());
    request.mutable_registry()->set_etag("stale");
    EXPECT_FALSE(registries->UpdateRegistry(AuthContext(alice).get(), request, &response).ok());
    v1::GetRegistryRequest get;
    get.set_name("users/alice/registries/quay");
    EXPECT_TRUE(registries->GetRegistry(AuthContext(operator_token).get(), get, &response).ok());
    v1::ListRegistryEventsRequest events;
    events.set_parent("users/alice/registries/quay");
    v1::ListRegistryEventsResponse event_page;
    EXPECT_TRUE(registries->ListRegistryEvents(AuthContext(alice).get(), events, &event_page).ok());
    EXPECT_THAT(event_page.SerializeAsString(), Not(HasSubstr(kPassword)));
  }
  // Resolves that hand secrets out, and failing ones.
  {
    v1::ResolveCredentialsRequest request;
    request.set_owner("users/alice");
    request.add_images("quay.io/team/app");
    request.add_images("gcr.io/p/i");
    request.add_images("europe-docker.pkg.dev/p/r/i");
    request.set_action(v1::ACTION_PUSH);
    v1::ResolveCredentialsResponse response;
    ASSERT_TRUE(
        credentials->ResolveCredentials(AuthContext(resolver).get(), request, &response).ok());
    EXPECT_THAT(response.docker_config_json(), HasSubstr("robot"));
    request.add_images("docker.io/library/nginx");  // No push credentials: refused.
    EXPECT_FALSE(
        credentials->ResolveCredentials(AuthContext(resolver).get(), request, &response).ok());
    EXPECT_FALSE(
        credentials->ResolveCredentials(AuthContext(alice).get(), request, &response).ok());
  }
  // Admin calls.
  {
    v1::RotateDataKeyResponse rotated;
    EXPECT_TRUE(admin->RotateDataKey(AuthContext(operator_token).get(), {}, &rotated).ok());
    v1::RewrapSecretsRequest request;
    v1::RewrapSecretsResponse response;
    EXPECT_TRUE(admin->RewrapSecrets(AuthContext(operator_token).get(), request, &response).ok());
    EXPECT_FALSE(admin->RewrapSecrets(AuthContext(alice).get(), request, &response).ok());
  }

  server.Signal(SIGTERM);
  ASSERT_EQ(server.Wait(absl::Seconds(30)), 0) << server.Log();

  const std::string audit = ReadFile(dir.File("audit.jsonl"));
  EXPECT_THAT(audit, HasSubstr("ResolveCredentials"));
  EXPECT_THAT(audit, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(audit, HasSubstr("secret_fingerprints"));
  std::vector<std::pair<std::string, std::string>> scanned = {{"registryd log", server.Log()},
                                                              {"audit log", audit}};
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.File("data"))) {
    if (entry.is_regular_file()) scanned.emplace_back(entry.path(), ReadFile(entry.path()));
  }
  for (const auto& [what, text] : scanned) {
    EXPECT_THAT(text, Not(HasSubstr(kPassword))) << what;
    EXPECT_THAT(text, Not(HasSubstr(kOauthToken))) << what;
    EXPECT_THAT(text, Not(HasSubstr(kJsonKeyMarker))) << what;
    for (const std::string& token : planted_tokens) {
      // Neither the whole token nor its signature part.
      EXPECT_THAT(text, Not(HasSubstr(token))) << what;
      EXPECT_THAT(text, Not(HasSubstr(token.substr(token.rfind('.') + 1)))) << what;
    }
  }
  EXPECT_GT(scanned.size(), 3u);
}

}  // namespace
}  // namespace registry::testing
