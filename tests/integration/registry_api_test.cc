// RegistryService end to end: a real server on port 0, real RocksDB in a temp dir, real gRPC.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/message_differencer.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kPassword[] = "hunter2-S3cret-Pa55word";

v1::Registry UsernamePasswordRegistry(const std::string& display_name = "GitHub") {
  v1::Registry registry;
  registry.set_display_name(display_name);
  registry.set_server("ghcr.io");
  registry.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  registry.set_username("octocat");
  registry.set_email("octocat@example.com");
  registry.set_password(kPassword);
  return registry;
}

class RegistryApiTest : public ::testing::Test {
 protected:
  grpc::Status Create(const std::string& token, const std::string& parent, const std::string& id,
                      const v1::Registry& registry, v1::Registry* out = nullptr) {
    v1::CreateRegistryRequest request;
    request.set_parent(parent);
    request.set_registry_id(id);
    *request.mutable_registry() = registry;
    v1::Registry response;
    grpc::Status status = stub_->CreateRegistry(AuthContext(token).get(), request, &response);
    if (out != nullptr) *out = response;
    return status;
  }
  grpc::Status Get(const std::string& token, const std::string& name, v1::Registry* out = nullptr) {
    v1::GetRegistryRequest request;
    request.set_name(name);
    v1::Registry response;
    grpc::Status status = stub_->GetRegistry(AuthContext(token).get(), request, &response);
    if (out != nullptr) *out = response;
    return status;
  }
  grpc::Status List(const std::string& token, const std::string& parent, int page_size,
                    const std::string& page_token, v1::ListRegistriesResponse* out) {
    v1::ListRegistriesRequest request;
    request.set_parent(parent);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return stub_->ListRegistries(AuthContext(token).get(), request, out);
  }
  grpc::Status Update(const std::string& token, const v1::Registry& registry,
                      std::vector<std::string> paths, v1::Registry* out = nullptr) {
    v1::UpdateRegistryRequest request;
    *request.mutable_registry() = registry;
    for (const auto& path : paths) request.mutable_update_mask()->add_paths(path);
    v1::Registry response;
    grpc::Status status = stub_->UpdateRegistry(AuthContext(token).get(), request, &response);
    if (out != nullptr) *out = response;
    return status;
  }
  grpc::Status Delete(const std::string& token, const std::string& name,
                      const std::string& etag = "") {
    v1::DeleteRegistryRequest request;
    request.set_name(name);
    request.set_etag(etag);
    google::protobuf::Empty response;
    return stub_->DeleteRegistry(AuthContext(token).get(), request, &response);
  }

  ServerHarness server_;
  std::unique_ptr<v1::RegistryService::Stub> stub_ = server_.RegistryStub();
  std::string alice_ = server_.UserToken("alice");
  std::string bob_ = server_.UserToken("bob");
};

TEST_F(RegistryApiTest, CreateGetRoundTripNeverReturnsTheSecret) {
  v1::Registry created;
  ASSERT_TRUE(Create(alice_, "users/alice", "github", UsernamePasswordRegistry(), &created).ok());
  EXPECT_EQ(created.name(), "users/alice/registries/github");
  EXPECT_EQ(created.display_name(), "GitHub");
  EXPECT_EQ(created.server(), "ghcr.io");
  EXPECT_EQ(created.username(), "octocat");
  EXPECT_EQ(created.email(), "octocat@example.com");
  EXPECT_THAT(created.password(), IsEmpty());
  EXPECT_TRUE(created.secret_set());
  EXPECT_TRUE(created.has_secret_update_time());
  EXPECT_TRUE(created.has_create_time());
  EXPECT_FALSE(created.global());
  EXPECT_THAT(created.etag(), Not(IsEmpty()));
  EXPECT_THAT(created.SerializeAsString(), Not(HasSubstr(kPassword)));

  v1::Registry fetched;
  ASSERT_TRUE(Get(alice_, "users/alice/registries/github", &fetched).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(created, fetched));
  EXPECT_THAT(fetched.SerializeAsString(), Not(HasSubstr(kPassword)));
}

TEST_F(RegistryApiTest, ServerPicksAnIdWhenNoneIsGiven) {
  v1::Registry created;
  ASSERT_TRUE(Create(alice_, "users/alice", "", UsernamePasswordRegistry(), &created).ok());
  EXPECT_THAT(created.name(), ::testing::MatchesRegex("users/alice/registries/[a-z][a-z0-9-]*"));
  EXPECT_TRUE(Get(alice_, created.name()).ok());
}

TEST_F(RegistryApiTest, JsonTokenIsAcceptedAndDefaultsItsUsername) {
  v1::Registry registry;
  registry.set_display_name("GCR");
  registry.set_server("https://gcr.io");
  registry.set_credential_type(v1::CREDENTIAL_TYPE_JSON_TOKEN);
  registry.set_json_token("{\n  \"type\": \"service_account\"\n}\n");
  v1::Registry created;
  ASSERT_TRUE(Create(alice_, "users/alice", "gcr", registry, &created).ok());
  EXPECT_EQ(created.username(), "_json_key");
  EXPECT_THAT(created.json_token(), IsEmpty());
  EXPECT_TRUE(created.secret_set());
}

TEST_F(RegistryApiTest, UpdatingOtherFieldsKeepsTheSecret) {
  v1::Registry created;
  ASSERT_TRUE(Create(alice_, "users/alice", "github", UsernamePasswordRegistry(), &created).ok());
  v1::Registry patch;
  patch.set_name(created.name());
  patch.set_display_name("Renamed");
  patch.set_etag(created.etag());
  v1::Registry updated;
  grpc::Status status = Update(alice_, patch, {"display_name"}, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.display_name(), "Renamed");
  EXPECT_TRUE(updated.secret_set());
  EXPECT_EQ(updated.secret_update_time().seconds(), created.secret_update_time().seconds());
  EXPECT_EQ(updated.secret_update_time().nanos(), created.secret_update_time().nanos());
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(updated.server(), "ghcr.io");

  // Changing the secret moves secret_update_time.
  patch.clear_display_name();
  patch.set_password("a-new-password");
  patch.set_etag(updated.etag());
  v1::Registry rotated;
  ASSERT_TRUE(Update(alice_, patch, {"password"}, &rotated).ok());
  EXPECT_GT(absl::FromUnixSeconds(rotated.secret_update_time().seconds()) +
                absl::Nanoseconds(rotated.secret_update_time().nanos()),
            absl::FromUnixSeconds(created.secret_update_time().seconds()) +
                absl::Nanoseconds(created.secret_update_time().nanos()));
  EXPECT_THAT(rotated.password(), IsEmpty());
}

TEST_F(RegistryApiTest, UpdateWithoutMaskIsInvalid) {
  ASSERT_TRUE(Create(alice_, "users/alice", "github", UsernamePasswordRegistry()).ok());
  v1::Registry patch;
  patch.set_name("users/alice/registries/github");
  patch.set_display_name("x");
  grpc::Status status = Update(alice_, patch, {});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("update_mask"));
}

TEST_F(RegistryApiTest, StaleEtagIsAbortedAndChangesNothing) {
  v1::Registry created;
  ASSERT_TRUE(Create(alice_, "users/alice", "github", UsernamePasswordRegistry(), &created).ok());
  v1::Registry patch;
  patch.set_name(created.name());
  patch.set_display_name("First");
  patch.set_etag(created.etag());
  ASSERT_TRUE(Update(alice_, patch, {"display_name"}).ok());

  patch.set_display_name("Second");  // Still carries the first etag.
  EXPECT_EQ(Update(alice_, patch, {"display_name"}).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Delete(alice_, created.name(), created.etag()).error_code(), grpc::StatusCode::ABORTED);
  v1::Registry fetched;
  ASSERT_TRUE(Get(alice_, created.name(), &fetched).ok());
  EXPECT_EQ(fetched.display_name(), "First");
  EXPECT_TRUE(Delete(alice_, created.name(), fetched.etag()).ok());
  EXPECT_EQ(Get(alice_, created.name()).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RegistryApiTest, DeleteWithoutEtagAndMissingRegistry) {
  ASSERT_TRUE(Create(alice_, "users/alice", "github", UsernamePasswordRegistry()).ok());
  EXPECT_TRUE(Delete(alice_, "users/alice/registries/github").ok());
  EXPECT_EQ(Delete(alice_, "users/alice/registries/github").error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(alice_, "users/alice/registries/github").error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RegistryApiTest, DuplicateIdIsAlreadyExists) {
  ASSERT_TRUE(Create(alice_, "users/alice", "github", UsernamePasswordRegistry()).ok());
  v1::Registry other = UsernamePasswordRegistry("Other");
  EXPECT_EQ(Create(alice_, "users/alice", "github", other).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  v1::Registry fetched;
  ASSERT_TRUE(Get(alice_, "users/alice/registries/github", &fetched).ok());
  EXPECT_EQ(fetched.display_name(), "GitHub");
}

TEST_F(RegistryApiTest, PaginationWalksEveryRegistryOnceWithGlobalFirst) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(
        Create(alice_, "users/alice", "r" + std::to_string(i), UsernamePasswordRegistry()).ok());
  }
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    v1::ListRegistriesResponse page;
    grpc::Status status = List(alice_, "users/alice", 3, token, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LE(page.registries_size(), 3);
    for (const auto& registry : page.registries()) {
      names.push_back(registry.name());
      EXPECT_THAT(registry.password(), IsEmpty());
    }
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(names, ElementsAre("registries/docker-hub", "users/alice/registries/r0",
                                 "users/alice/registries/r1", "users/alice/registries/r2",
                                 "users/alice/registries/r3", "users/alice/registries/r4",
                                 "users/alice/registries/r5", "users/alice/registries/r6"));
}

TEST_F(RegistryApiTest, PageTokenOfAnotherParentOrTamperedIsInvalid) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        Create(alice_, "users/alice", "r" + std::to_string(i), UsernamePasswordRegistry()).ok());
  }
  v1::ListRegistriesResponse page;
  ASSERT_TRUE(List(alice_, "users/alice", 2, "", &page).ok());
  ASSERT_THAT(page.next_page_token(), Not(IsEmpty()));
  v1::ListRegistriesResponse other;
  grpc::Status status = List(bob_, "users/bob", 2, page.next_page_token(), &other);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("page_token"));
  std::string tampered = page.next_page_token();
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  status = List(alice_, "users/alice", 2, tampered, &other);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("page_token"));
}

TEST_F(RegistryApiTest, ListOfAnOwnerWithoutRegistriesHasTheGlobalDefault) {
  v1::ListRegistriesResponse page;
  ASSERT_TRUE(List(bob_, "users/bob", 0, "", &page).ok());
  ASSERT_EQ(page.registries_size(), 1);
  EXPECT_EQ(page.registries(0).name(), "registries/docker-hub");
  EXPECT_TRUE(page.registries(0).global());
  EXPECT_EQ(page.registries(0).server(), "https://index.docker.io/v1/");
  EXPECT_EQ(page.registries(0).credential_type(), v1::CREDENTIAL_TYPE_NONE);
  EXPECT_THAT(page.next_page_token(), IsEmpty());
}

TEST_F(RegistryApiTest, GlobalRegistryIsReadableAndImmutable) {
  v1::Registry global;
  ASSERT_TRUE(
      Get(server_.Token("svc", "credentials.resolve"), "registries/docker-hub", &global).ok());
  EXPECT_TRUE(global.global());
  v1::Registry patch = global;
  patch.set_display_name("Mine now");
  EXPECT_EQ(Update(alice_, patch, {"display_name"}).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Delete(alice_, "registries/docker-hub").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(RegistryApiTest, UsersAreIsolatedWhetherOrNotTheResourceExists) {
  ASSERT_TRUE(Create(alice_, "users/alice", "github", UsernamePasswordRegistry()).ok());
  EXPECT_EQ(Get(bob_, "users/alice/registries/github").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(bob_, "users/alice/registries/missing").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListRegistriesResponse page;
  EXPECT_EQ(List(bob_, "users/alice", 0, "", &page).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Create(bob_, "users/alice", "x", UsernamePasswordRegistry()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::Registry patch;
  patch.set_name("users/alice/registries/github");
  patch.set_display_name("pwned");
  EXPECT_EQ(Update(bob_, patch, {"display_name"}).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Delete(bob_, "users/alice/registries/github").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Bob's own tree is empty but for the global default.
  ASSERT_TRUE(List(bob_, "users/bob", 0, "", &page).ok());
  EXPECT_EQ(page.registries_size(), 1);
}

TEST_F(RegistryApiTest, ScopesDecideWhatATokenMayDo) {
  ASSERT_TRUE(Create(alice_, "users/alice", "github", UsernamePasswordRegistry()).ok());
  const std::string read_only = server_.Token("alice", "registry.read");
  const std::string admin = server_.Token("operator", "registry.admin");
  const std::string resolver = server_.Token("deployer", "credentials.resolve");

  EXPECT_TRUE(Get(read_only, "users/alice/registries/github").ok());
  EXPECT_EQ(Create(read_only, "users/alice", "x", UsernamePasswordRegistry()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::Registry fetched;
  ASSERT_TRUE(Get(admin, "users/alice/registries/github", &fetched).ok());
  EXPECT_THAT(fetched.password(), IsEmpty());
  EXPECT_EQ(Delete(admin, "users/alice/registries/github").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(resolver, "users/alice/registries/github").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Create(resolver, "users/alice", "x", UsernamePasswordRegistry()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RegistryApiTest, BadTokensAreUnauthenticated) {
  EXPECT_EQ(Get("", "registries/docker-hub").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Get("not-a-jwt", "registries/docker-hub").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Get(server_.Token("alice", "registry.read", absl::Minutes(-5)), "registries/docker-hub")
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  devtoken::TokenClaims claims;
  claims.issuer = kIssuer;
  claims.audience = "some-other-service";
  claims.subject = "alice";
  claims.scopes = {"registry.read"};
  claims.issued_at = absl::Now();
  EXPECT_EQ(Get(server_.Token(claims), "registries/docker-hub").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  claims.audience = kAudience;
  claims.issuer = "https://evil.test";
  EXPECT_EQ(Get(server_.Token(claims), "registries/docker-hub").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A token from a key the server does not trust.
  devtoken::DevKey stranger = devtoken::GenerateDevKey();
  claims.issuer = kIssuer;
  EXPECT_EQ(
      Get(devtoken::MintToken(stranger, "test", claims), "registries/docker-hub").error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(RegistryApiTest, MalformedNamesAreInvalidBeforeAnyPermissionCheck) {
  struct Case {
    std::string name;
  };
  for (const std::string name :
       {"users/alice/registries/", "users/alice/registries/UPPER", "users/../registries/x",
        "users/alice/registries/x/extra", "registries/other", "", "users/alice"}) {
    grpc::Status status = Get(bob_, name);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
    EXPECT_THAT(ViolatedFields(status), ElementsAre("name")) << name;
  }
  grpc::Status status = Create(bob_, "users/al ice", "x", UsernamePasswordRegistry());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("parent"));
  status = Create(alice_, "users/alice", "Bad_Id", UsernamePasswordRegistry());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("registry_id"));
}

TEST_F(RegistryApiTest, InvalidContentNamesEachFieldAndWritesNothing) {
  v1::Registry registry = UsernamePasswordRegistry();
  registry.set_server("ftp://user@host?x#y");
  registry.clear_password();
  registry.set_display_name("");
  grpc::Status status = Create(alice_, "users/alice", "bad", registry);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status),
              ::testing::UnorderedElementsAre("registry.display_name", "registry.server",
                                              "registry.password"));
  EXPECT_EQ(Get(alice_, "users/alice/registries/bad").error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RegistryApiTest, ListPresetsHasTheQuickSetupRegistries) {
  v1::ListPresetsResponse response;
  ASSERT_TRUE(stub_->ListPresets(AuthContext(alice_).get(), {}, &response).ok());
  std::vector<std::string> servers;
  for (const auto& preset : response.presets()) {
    servers.push_back(preset.server());
    EXPECT_THAT(preset.thumbnail_uri(), Not(IsEmpty())) << preset.id();
    EXPECT_GT(preset.credential_types_size(), 0) << preset.id();
  }
  EXPECT_THAT(servers, ::testing::IsSupersetOf(
                           {"https://index.docker.io/v1/", "https://docker.pkg.github.com",
                            "ghcr.io", "https://gcr.io", "quay.io", "registry.gitlab.com",
                            "*-docker.pkg.dev", "*.azurecr.io", "*.dkr.ecr.*.amazonaws.com"}));
  EXPECT_EQ(stub_->ListPresets(AuthContext("").get(), {}, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(RegistryApiTest, ExpiredDeadlineIsNotServed) {
  auto context = AuthContext(alice_);
  context->set_deadline(std::chrono::system_clock::now() - std::chrono::seconds(1));
  v1::Registry response;
  v1::GetRegistryRequest request;
  request.set_name("registries/docker-hub");
  EXPECT_EQ(stub_->GetRegistry(context.get(), request, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST(RegistryLimitTest, PerOwnerLimitIsResourceExhausted) {
  ServerHarness server([](app::ServerConfig& config) { config.max_registries_per_owner = 2; });
  auto stub = server.RegistryStub();
  const std::string token = server.UserToken("alice");
  auto create = [&](const std::string& id) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id(id);
    *request.mutable_registry() = UsernamePasswordRegistry();
    v1::Registry response;
    return stub->CreateRegistry(AuthContext(token).get(), request, &response).error_code();
  };
  EXPECT_EQ(create("a"), grpc::StatusCode::OK);
  EXPECT_EQ(create("b"), grpc::StatusCode::OK);
  EXPECT_EQ(create("c"), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Other owners have their own budget.
  v1::CreateRegistryRequest request;
  request.set_parent("users/bob");
  *request.mutable_registry() = UsernamePasswordRegistry();
  v1::Registry response;
  EXPECT_TRUE(
      stub->CreateRegistry(AuthContext(server.UserToken("bob")).get(), request, &response).ok());
}

}  // namespace
}  // namespace registry::testing
