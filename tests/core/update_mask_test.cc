// Table-driven tests for ApplyUpdateMask.
#include "server/core/update_mask.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/field_violation.h"

namespace registry::core {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::SizeIs;

google::protobuf::FieldMask Mask(std::vector<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& p : paths) mask.add_paths(p);
  return mask;
}

v1::Registry Existing() {
  v1::Registry r;
  r.set_name("users/alice/registries/ghcr");
  r.set_display_name("Old");
  r.set_server("ghcr.io");
  r.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  r.set_username("alice");
  r.set_email("alice@example.com");
  r.set_password("old-password");
  r.set_thumbnail_uri("https://example.com/old.png");
  r.set_global(false);
  r.mutable_create_time()->set_seconds(100);
  r.mutable_update_time()->set_seconds(200);
  r.set_etag("etag-1");
  r.set_secret_set(true);
  r.mutable_secret_update_time()->set_seconds(150);
  return r;
}

v1::Registry Patch() {
  v1::Registry r;
  r.set_name("users/mallory/registries/other");
  r.set_display_name("New");
  r.set_server("quay.io");
  r.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  r.set_username("bob");
  r.set_email("bob@example.com");
  r.set_thumbnail_uri("https://example.com/new.png");
  r.set_global(true);
  r.mutable_create_time()->set_seconds(999);
  r.set_etag("etag-from-client");
  r.set_secret_set(false);
  return r;
}

void ExpectOutputFieldsKept(const v1::Registry& merged) {
  const v1::Registry existing = Existing();
  EXPECT_EQ(merged.name(), existing.name());
  EXPECT_EQ(merged.global(), existing.global());
  EXPECT_EQ(merged.create_time().seconds(), existing.create_time().seconds());
  EXPECT_EQ(merged.update_time().seconds(), existing.update_time().seconds());
  EXPECT_EQ(merged.etag(), existing.etag());
  EXPECT_EQ(merged.secret_set(), existing.secret_set());
  EXPECT_EQ(merged.secret_update_time().seconds(), existing.secret_update_time().seconds());
}

TEST(UpdateMaskTest, SingleFieldPaths) {
  struct Case {
    std::string path;
    std::function<std::string(const v1::Registry&)> get;
    std::string want;
  };
  const Case cases[] = {
      {"display_name", [](const v1::Registry& r) { return r.display_name(); }, "New"},
      {"server", [](const v1::Registry& r) { return r.server(); }, "quay.io"},
      {"username", [](const v1::Registry& r) { return r.username(); }, "bob"},
      {"email", [](const v1::Registry& r) { return r.email(); }, "bob@example.com"},
      {"thumbnail_uri", [](const v1::Registry& r) { return r.thumbnail_uri(); },
       "https://example.com/new.png"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<UpdateResult> result = ApplyUpdateMask(Existing(), Patch(), Mask({c.path}));
    ASSERT_TRUE(result.ok()) << c.path << ": " << result.status();
    EXPECT_EQ(c.get(result->merged), c.want) << c.path;
    EXPECT_FALSE(result->secret_changed) << c.path;
    EXPECT_EQ(result->merged.password(), "old-password") << c.path;
    ExpectOutputFieldsKept(result->merged);
    // Every other mutable field is unchanged.
    v1::Registry expected = Existing();
    v1::Registry got = result->merged;
    for (const Case& other : cases) {
      if (other.path != c.path) {
        EXPECT_EQ(other.get(got), other.get(expected)) << c.path;
      }
    }
  }
}

TEST(UpdateMaskTest, NamedEmptyFieldIsCleared) {
  v1::Registry patch = Patch();
  patch.clear_email();
  absl::StatusOr<UpdateResult> result = ApplyUpdateMask(Existing(), patch, Mask({"email"}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->merged.email(), "");
}

TEST(UpdateMaskTest, MaskErrors) {
  struct Case {
    std::vector<std::string> paths;
    size_t violations;
    std::string message_part;
  };
  const Case cases[] = {
      {{}, 1, "required"},
      {{"name"}, 1, "immutable"},
      {{"global"}, 1, "immutable"},
      {{"create_time"}, 1, "output only"},
      {{"update_time"}, 1, "output only"},
      {{"etag"}, 1, "output only"},
      {{"secret_set"}, 1, "output only"},
      {{"secret_update_time"}, 1, "output only"},
      {{"bogus"}, 1, "unknown field path `bogus`"},
      {{"registry.display_name"}, 1, "unknown"},
      {{"Display_Name"}, 1, "unknown"},
      {{"*", "display_name"}, 1, "`*` must be the only path"},
      {{"display_name", "name", "bogus", "etag"}, 3, "bogus"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<UpdateResult> result = ApplyUpdateMask(Existing(), Patch(), Mask(c.paths));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    const std::vector<FieldViolation> violations = ViolationsOf(result.status());
    EXPECT_THAT(violations, SizeIs(c.violations)) << result.status();
    EXPECT_THAT(violations, Each(Field(&FieldViolation::field, "update_mask")));
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(c.message_part));
  }
}

TEST(UpdateMaskTest, StarReplacesMutableFieldsKeepsSecretWhenNotGiven) {
  absl::StatusOr<UpdateResult> result = ApplyUpdateMask(Existing(), Patch(), Mask({"*"}));
  ASSERT_TRUE(result.ok()) << result.status();
  const v1::Registry& m = result->merged;
  EXPECT_EQ(m.display_name(), "New");
  EXPECT_EQ(m.server(), "quay.io");
  EXPECT_EQ(m.username(), "bob");
  EXPECT_EQ(m.email(), "bob@example.com");
  EXPECT_EQ(m.thumbnail_uri(), "https://example.com/new.png");
  EXPECT_EQ(m.password(), "old-password");
  EXPECT_FALSE(result->secret_changed);
  ExpectOutputFieldsKept(m);
}

TEST(UpdateMaskTest, StarWithSecretReplacesIt) {
  v1::Registry patch = Patch();
  patch.set_password("new-password");
  absl::StatusOr<UpdateResult> result = ApplyUpdateMask(Existing(), patch, Mask({"*"}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->merged.password(), "new-password");
  EXPECT_TRUE(result->secret_changed);
}

TEST(UpdateMaskTest, SecretChanged) {
  struct Case {
    std::string name;
    std::string path;
    std::string password;
    bool changed;
  };
  const Case cases[] = {
      {"new value", "password", "new-password", true},
      {"same value", "password", "old-password", false},
      {"cleared", "password", "", true},
      {"not in mask", "display_name", "new-password", false},
  };
  for (const Case& c : cases) {
    v1::Registry patch = Patch();
    patch.set_password(c.password);
    absl::StatusOr<UpdateResult> result = ApplyUpdateMask(Existing(), patch, Mask({c.path}));
    ASSERT_TRUE(result.ok()) << c.name;
    EXPECT_EQ(result->secret_changed, c.changed) << c.name;
  }
}

TEST(UpdateMaskTest, CredentialTypeChangeClearsForeignSecrets) {
  struct Case {
    std::string name;
    v1::CredentialType new_type;
    std::vector<std::string> extra_paths;
    std::string oauth2_token;
    std::string want_password;
    std::string want_oauth2_token;
    bool changed;
  };
  const Case cases[] = {
      {"to none", v1::CREDENTIAL_TYPE_NONE, {}, "", "", "", true},
      {"to oauth with token",
       v1::CREDENTIAL_TYPE_OAUTH2_TOKEN,
       {"oauth2_token"},
       "tok",
       "",
       "tok",
       true},
      {"to json", v1::CREDENTIAL_TYPE_JSON_TOKEN, {}, "", "", "", true},
      {"same type keeps", v1::CREDENTIAL_TYPE_USERNAME_PASSWORD, {}, "", "old-password", "", false},
  };
  for (const Case& c : cases) {
    v1::Registry patch = Patch();
    patch.set_credential_type(c.new_type);
    patch.set_oauth2_token(c.oauth2_token);
    std::vector<std::string> paths = {"credential_type"};
    paths.insert(paths.end(), c.extra_paths.begin(), c.extra_paths.end());
    absl::StatusOr<UpdateResult> result = ApplyUpdateMask(Existing(), patch, Mask(paths));
    ASSERT_TRUE(result.ok()) << c.name;
    EXPECT_EQ(result->merged.credential_type(), c.new_type) << c.name;
    EXPECT_EQ(result->merged.password(), c.want_password) << c.name;
    EXPECT_EQ(result->merged.oauth2_token(), c.want_oauth2_token) << c.name;
    EXPECT_EQ(result->secret_changed, c.changed) << c.name;
  }
}

TEST(UpdateMaskTest, TypeChangeKeepsSecretNamedInMaskSoValidationSeesIt) {
  v1::Registry patch = Patch();
  patch.set_credential_type(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN);
  patch.set_password("explicit");
  absl::StatusOr<UpdateResult> result =
      ApplyUpdateMask(Existing(), patch, Mask({"credential_type", "password"}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->merged.password(), "explicit");
}

TEST(UpdateMaskTest, TypeChangeKeepsSecretOfNewType) {
  v1::Registry existing = Existing();
  existing.set_credential_type(v1::CREDENTIAL_TYPE_JSON_TOKEN);
  existing.clear_password();
  existing.set_json_token("{}");
  v1::Registry patch;
  patch.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  patch.set_password("pw");
  // "*" takes the patch's password; the stored json_token is foreign to the new type.
  patch.set_display_name("x");
  absl::StatusOr<UpdateResult> result = ApplyUpdateMask(existing, patch, Mask({"*"}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->merged.password(), "pw");
  EXPECT_EQ(result->merged.json_token(), "");
  EXPECT_TRUE(result->secret_changed);
}

TEST(UpdateMaskTest, DuplicatePathsAreHarmless) {
  absl::StatusOr<UpdateResult> result =
      ApplyUpdateMask(Existing(), Patch(), Mask({"display_name", "display_name"}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->merged.display_name(), "New");
}

}  // namespace
}  // namespace registry::core
