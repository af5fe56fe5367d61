// Tests for ComputeEtag.
#include "server/core/etag.h"

#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry::core {
namespace {

using ::testing::MatchesRegex;

v1::Registry Record() {
  v1::Registry r;
  r.set_name("users/alice/registries/ghcr");
  r.set_display_name("GHCR");
  r.set_server("ghcr.io");
  r.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  r.set_username("alice");
  r.set_password("hunter2");
  r.mutable_create_time()->set_seconds(100);
  r.mutable_update_time()->set_seconds(200);
  r.set_secret_set(true);
  r.mutable_secret_update_time()->set_seconds(150);
  return r;
}

TEST(EtagTest, StableHexOf16Bytes) {
  const std::string etag = ComputeEtag(Record());
  EXPECT_THAT(etag, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(ComputeEtag(Record()), etag);
}

TEST(EtagTest, IgnoresItsOwnField) {
  v1::Registry r = Record();
  const std::string etag = ComputeEtag(r);
  r.set_etag(etag);
  EXPECT_EQ(ComputeEtag(r), etag);
}

TEST(EtagTest, ChangesWithContent) {
  const std::string base = ComputeEtag(Record());
  const std::pair<std::string, std::function<void(v1::Registry&)>> cases[] = {
      {"display_name", [](v1::Registry& r) { r.set_display_name("other"); }},
      {"server", [](v1::Registry& r) { r.set_server("quay.io"); }},
      {"credential_type", [](v1::Registry& r) { r.set_credential_type(v1::CREDENTIAL_TYPE_NONE); }},
      {"username", [](v1::Registry& r) { r.set_username("bob"); }},
      {"email", [](v1::Registry& r) { r.set_email("a@b.c"); }},
      {"thumbnail_uri", [](v1::Registry& r) { r.set_thumbnail_uri("https://x/y.png"); }},
      {"update_time", [](v1::Registry& r) { r.mutable_update_time()->set_seconds(201); }},
      {"secret_set", [](v1::Registry& r) { r.set_secret_set(false); }},
      {"secret_update_time", [](v1::Registry& r) { r.mutable_secret_update_time()->set_nanos(1); }},
      {"name", [](v1::Registry& r) { r.set_name("users/bob/registries/ghcr"); }},
  };
  for (const auto& [name, mutate] : cases) {
    v1::Registry r = Record();
    mutate(r);
    EXPECT_NE(ComputeEtag(r), base) << name;
  }
}

TEST(EtagTest, SecretBytesAloneDoNotChangeIt) {
  const std::string base = ComputeEtag(Record());
  v1::Registry r = Record();
  r.set_password("a-completely-different-password");
  EXPECT_EQ(ComputeEtag(r), base);
  r.set_oauth2_token("t");
  r.set_json_token("{}");
  EXPECT_EQ(ComputeEtag(r), base);
  // A secret change is visible through secret_update_time.
  r.mutable_secret_update_time()->set_seconds(300);
  EXPECT_NE(ComputeEtag(r), base);
}

TEST(EtagTest, InputIsNotModified) {
  const v1::Registry r = Record();
  ComputeEtag(r);
  EXPECT_EQ(r.password(), "hunter2");
}

TEST(EtagTest, InPlaceGivesTheSameEtagAndPutsEverythingBack) {
  v1::Registry with_everything = Record();
  with_everything.set_etag("a-previous-etag");
  with_everything.set_oauth2_token("t");
  with_everything.set_json_token("{}");
  v1::Registry without_secrets = Record();
  without_secrets.clear_password();
  for (const v1::Registry& original : {Record(), with_everything, without_secrets}) {
    v1::Registry r = original;
    EXPECT_EQ(ComputeEtagInPlace(r), ComputeEtag(original));
    EXPECT_EQ(r.SerializeAsString(), original.SerializeAsString());
  }
}

}  // namespace
}  // namespace registry::core
