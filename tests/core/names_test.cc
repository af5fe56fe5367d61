// Table-driven tests for resource names, id rules and storage keys.
#include "server/core/names.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/field_violation.h"

namespace registry::core {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

TEST(NamesTest, RegistryIdRules) {
  struct Case {
    std::string id;
    bool valid;
  };
  const Case cases[] = {
      {"a", true},
      {"ghcr", true},
      {"my-registry-2", true},
      {"a1", true},
      {std::string(63, 'a'), true},
      {std::string(64, 'a'), false},
      {"", false},
      {"1abc", false},
      {"-abc", false},
      {"abc-", false},
      {"Abc", false},
      {"ab_c", false},
      {"ab.c", false},
      {"ab/c", false},
      {"ab c", false},
  };
  for (const Case& c : cases) EXPECT_EQ(IsValidRegistryId(c.id), c.valid) << c.id;
}

TEST(NamesTest, UserIdRules) {
  struct Case {
    std::string id;
    bool valid;
  };
  const Case cases[] = {
      {"alice", true},
      {"Alice.Smith", true},
      {"a_b-c@example.com", true},
      {"0", true},
      {"...", true},
      {std::string(128, 'u'), true},
      {std::string(129, 'u'), false},
      {"", false},
      {".", false},
      {"..", false},
      {"a/b", false},
      {"a b", false},
      {"a:b", false},
      {"a+b", false},
      {"\xc3\xa9", false},
  };
  for (const Case& c : cases) EXPECT_EQ(IsValidUserId(c.id), c.valid) << c.id;
}

TEST(NamesTest, ParseOwnerNameValid) {
  absl::StatusOr<OwnerName> owner = ParseOwnerName("users/alice", "parent");
  ASSERT_TRUE(owner.ok()) << owner.status();
  EXPECT_EQ(owner->kind, OwnerName::Kind::kUser);
  EXPECT_EQ(owner->id, "alice");
  EXPECT_EQ(owner->ToString(), "users/alice");
  EXPECT_TRUE(ParseOwnerName("users/" + std::string(128, 'x'), "parent").ok());
}

TEST(NamesTest, ParseOwnerNameInvalid) {
  const std::string cases[] = {
      "",
      "users",
      "users/",
      "users/alice/",
      "users/alice/registries/x",
      "users/..",
      "users/.",
      "users/a/../b",
      "/users/alice",
      "Users/alice",
      "groups/",
      "groups/..",
      "Groups/devs",
      "groups/devs/x",
      "alice",
      "users/" + std::string(129, 'x'),
      "users/al ice",
  };
  for (const std::string& parent : cases) {
    absl::StatusOr<OwnerName> owner = ParseOwnerName(parent, "parent");
    ASSERT_FALSE(owner.ok()) << parent;
    EXPECT_EQ(owner.status().code(), absl::StatusCode::kInvalidArgument) << parent;
    EXPECT_THAT(ViolationsOf(owner.status()), ElementsAre(Field(&FieldViolation::field, "parent")))
        << parent;
  }
}

TEST(NamesTest, ParseRegistryNameValid) {
  absl::StatusOr<RegistryName> name = ParseRegistryName("users/alice/registries/ghcr", "name");
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_FALSE(name->global);
  EXPECT_EQ(name->owner, (OwnerName{OwnerName::Kind::kUser, "alice"}));
  EXPECT_EQ(name->registry_id, "ghcr");
  EXPECT_EQ(name->ToString(), "users/alice/registries/ghcr");
}

TEST(NamesTest, GroupOwnersParseAndFormat) {
  absl::StatusOr<OwnerName> owner = ParseOwnerName("groups/platform-team", "parent");
  ASSERT_TRUE(owner.ok()) << owner.status();
  EXPECT_EQ(owner->kind, OwnerName::Kind::kGroup);
  EXPECT_EQ(owner->id, "platform-team");
  EXPECT_EQ(owner->ToString(), "groups/platform-team");
  EXPECT_EQ(RegistryKeyPrefix(*owner), "r/groups/platform-team/");

  absl::StatusOr<RegistryName> name = ParseRegistryName("groups/devs/registries/ghcr", "name");
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->owner, (OwnerName{OwnerName::Kind::kGroup, "devs"}));
  EXPECT_EQ(name->ToString(), "groups/devs/registries/ghcr");
  // A user and a group of the same id are different owners with disjoint key spaces.
  EXPECT_NE(RegistryKeyPrefix(OwnerName{OwnerName::Kind::kUser, "devs"}),
            RegistryKeyPrefix(name->owner));
}

TEST(NamesTest, ParseRegistryNameGlobal) {
  absl::StatusOr<RegistryName> name = ParseRegistryName("registries/docker-hub", "name");
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_TRUE(name->global);
  EXPECT_EQ(name->registry_id, "docker-hub");
  EXPECT_EQ(name->ToString(), kGlobalRegistryName);
}

TEST(NamesTest, ParseRegistryNameInvalid) {
  const std::string cases[] = {
      "",
      "users/alice",
      "users/alice/registries",
      "users/alice/registries/",
      "users/alice/registries/ghcr/",
      "users/alice/registries/ghcr/extra",
      "users/alice/registries/GHCR",
      "users/alice/registries/ghcr-",
      "users/alice/registries/1ghcr",
      "users/alice/registries/" + std::string(64, 'a'),
      "users/../registries/ghcr",
      "users//registries/ghcr",
      "users/alice/things/ghcr",
      "registries/docker-hub/",
      "registries/other",
      "registries/Docker-Hub",
      "groups/registries/ghcr",
      "groups/../registries/ghcr",
  };
  for (const std::string& n : cases) {
    absl::StatusOr<RegistryName> name = ParseRegistryName(n, "registry.name");
    ASSERT_FALSE(name.ok()) << n;
    EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_THAT(ViolationsOf(name.status()),
                ElementsAre(Field(&FieldViolation::field, "registry.name")))
        << n;
  }
  EXPECT_TRUE(ParseRegistryName("users/alice/registries/" + std::string(63, 'a'), "n").ok());
}

TEST(NamesTest, StorageKeys) {
  const OwnerName alice{OwnerName::Kind::kUser, "alice"};
  EXPECT_EQ(RegistryKeyPrefix(alice), "r/users/alice/");
  EXPECT_EQ(RegistryKey(alice, "ghcr"), "r/users/alice/ghcr");
  // One owner's prefix never covers another owner's keys.
  const OwnerName alice2{OwnerName::Kind::kUser, "alice2"};
  EXPECT_FALSE(RegistryKey(alice2, "ghcr").starts_with(RegistryKeyPrefix(alice)));
}

}  // namespace
}  // namespace registry::core
