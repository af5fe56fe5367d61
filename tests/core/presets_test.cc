// Tests for Presets() and GlobalDockerHub().
#include "server/core/presets.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/etag.h"
#include "server/core/names.h"
#include "server/core/registry_validation.h"
#include "server/core/server_key.h"
#include "server/core/thumbnail.h"

namespace registry::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

const v1::Preset* Find(std::string_view id) {
  for (const v1::Preset& p : Presets()) {
    if (p.id() == id) return &p;
  }
  return nullptr;
}

TEST(PresetsTest, AllPresentInOrder) {
  std::vector<std::string> ids;
  for (const v1::Preset& p : Presets()) ids.push_back(p.id());
  EXPECT_THAT(ids, ElementsAre("docker-hub", "github-packages", "ghcr", "gcr", "quay", "gitlab",
                               "artifact-registry", "acr", "ecr"));
}

TEST(PresetsTest, ServersTypesAndUsernames) {
  using T = v1::CredentialType;
  struct Case {
    std::string id;
    std::string server;
    std::vector<T> types;
    std::string default_username;
  };
  const Case cases[] = {
      {"docker-hub", "https://index.docker.io/v1/", {v1::CREDENTIAL_TYPE_USERNAME_PASSWORD}, ""},
      {"github-packages",
       "https://docker.pkg.github.com",
       {v1::CREDENTIAL_TYPE_USERNAME_PASSWORD},
       ""},
      {"ghcr", "ghcr.io", {v1::CREDENTIAL_TYPE_USERNAME_PASSWORD}, ""},
      {"gcr",
       "https://gcr.io",
       {v1::CREDENTIAL_TYPE_JSON_TOKEN, v1::CREDENTIAL_TYPE_OAUTH2_TOKEN},
       "_json_key"},
      {"quay", "quay.io", {v1::CREDENTIAL_TYPE_USERNAME_PASSWORD}, ""},
      {"gitlab", "registry.gitlab.com", {v1::CREDENTIAL_TYPE_USERNAME_PASSWORD}, ""},
      {"artifact-registry",
       "*-docker.pkg.dev",
       {v1::CREDENTIAL_TYPE_JSON_TOKEN, v1::CREDENTIAL_TYPE_OAUTH2_TOKEN},
       "_json_key"},
      {"acr", "*.azurecr.io", {v1::CREDENTIAL_TYPE_USERNAME_PASSWORD}, ""},
      {"ecr", "*.dkr.ecr.*.amazonaws.com", {v1::CREDENTIAL_TYPE_USERNAME_PASSWORD}, "AWS"},
  };
  for (const Case& c : cases) {
    const v1::Preset* p = Find(c.id);
    ASSERT_NE(p, nullptr) << c.id;
    EXPECT_EQ(p->server(), c.server) << c.id;
    std::vector<T> types;
    for (int t : p->credential_types()) types.push_back(static_cast<T>(t));
    EXPECT_EQ(types, c.types) << c.id;
    EXPECT_EQ(p->default_username(), c.default_username) << c.id;
  }
  EXPECT_THAT(Find("github-packages")->description(), ::testing::HasSubstr("read:packages"));
  EXPECT_THAT(Find("ghcr")->description(), ::testing::HasSubstr("write:packages"));
}

TEST(PresetsTest, EveryPresetIsUsable) {
  std::set<std::string> ids;
  for (const v1::Preset& p : Presets()) {
    EXPECT_TRUE(ids.insert(p.id()).second) << "duplicate " << p.id();
    EXPECT_TRUE(IsValidRegistryId(p.id())) << p.id();
    EXPECT_FALSE(p.display_name().empty()) << p.id();
    EXPECT_FALSE(p.description().empty()) << p.id();
    EXPECT_TRUE(ParseServerKey(p.server()).ok()) << p.id();
    EXPECT_THAT(p.thumbnail_uri(), StartsWith("data:image/svg+xml;base64,")) << p.id();
    EXPECT_TRUE(ValidateThumbnailUri(p.thumbnail_uri()).ok()) << p.id();
    ASSERT_GT(p.credential_types_size(), 0) << p.id();
    // A registry filled from the preset (plus the user's secret) validates.
    v1::Registry r;
    r.set_display_name(p.display_name());
    r.set_server(p.server());
    r.set_thumbnail_uri(p.thumbnail_uri());
    r.set_credential_type(p.credential_types(0));
    r.set_username(p.default_username().empty() ? "someone" : p.default_username());
    if (r.credential_type() == v1::CREDENTIAL_TYPE_USERNAME_PASSWORD) r.set_password("pw");
    if (r.credential_type() == v1::CREDENTIAL_TYPE_JSON_TOKEN) r.set_json_token("{}");
    EXPECT_THAT(ValidateRegistry(r, "registry."), IsEmpty()) << p.id();
  }
}

TEST(PresetsTest, DockerHubPresetParsesAsDockerHub) {
  absl::StatusOr<ServerKey> key = ParseServerKey(Find("docker-hub")->server());
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->docker_hub);
}

TEST(GlobalDockerHubTest, Fields) {
  const v1::Registry r = GlobalDockerHub();
  EXPECT_EQ(r.name(), kGlobalRegistryName);
  EXPECT_EQ(r.display_name(), "Docker Hub");
  EXPECT_EQ(r.server(), "https://index.docker.io/v1/");
  EXPECT_EQ(r.credential_type(), v1::CREDENTIAL_TYPE_NONE);
  EXPECT_TRUE(r.global());
  EXPECT_FALSE(HasSecret(r));
  EXPECT_FALSE(r.secret_set());
  EXPECT_TRUE(r.has_create_time());
  EXPECT_TRUE(r.has_update_time());
  EXPECT_TRUE(ValidateThumbnailUri(r.thumbnail_uri()).ok());
  EXPECT_THAT(ValidateRegistry(r, "registry."), IsEmpty());
  EXPECT_EQ(r.etag(), ComputeEtag(r));
  EXPECT_EQ(r.SerializeAsString(), GlobalDockerHub().SerializeAsString());
}

}  // namespace
}  // namespace registry::core
