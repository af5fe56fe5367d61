// Tests for BuildDockerConfigJson (issue 3, "What comes back": the docker config).
#include "server/core/docker_config.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/core/credentials.h"
#include "server/core/sodium_codec.h"

namespace registry::core {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// key → "username:password|email" for every auths entry; also checks that
// `auth` is base64(username:password) and that no other field is present.
std::map<std::string, std::string> Auths(const std::string& config_json) {
  const nlohmann::json config = nlohmann::json::parse(config_json);
  EXPECT_EQ(config.size(), 1u);
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : config.at("auths").items()) {
    EXPECT_EQ(value.size(), 4u) << key;
    const std::string username = value.at("username").get<std::string>();
    const std::string password = value.at("password").get<std::string>();
    std::optional<std::string> auth =
        Base64Decode(value.at("auth").get<std::string>(), Base64Variant::kStandard);
    EXPECT_TRUE(auth.has_value()) << key;
    EXPECT_EQ(auth.value_or(""), username + ":" + password) << key;
    out[key] = username + ":" + password + "|" + value.at("email").get<std::string>();
  }
  return out;
}

DockerConfigEntry Entry(std::string server, std::vector<std::string> path, std::string username,
                        std::string password, std::string email = "") {
  return {std::move(server), std::move(path), std::move(username), std::move(password),
          std::move(email)};
}

TEST(DockerConfigTest, Empty) { EXPECT_EQ(BuildDockerConfigJson({}), "{\"auths\":{}}"); }

TEST(DockerConfigTest, SingleExactBytes) {
  EXPECT_EQ(BuildDockerConfigJson({Entry("ghcr.io", {}, "alice", "s3cret", "a@x")}),
            "{\"auths\":{\"ghcr.io\":{\"auth\":\"YWxpY2U6czNjcmV0\",\"email\":\"a@x\","
            "\"password\":\"s3cret\",\"username\":\"alice\"}}}");
}

TEST(DockerConfigTest, DockerHubKey) {
  EXPECT_THAT(Auths(BuildDockerConfigJson(
                  {Entry(std::string(kDockerHubConfigKey), {"library"}, "bob", "pw")})),
              ElementsAre(Pair("https://index.docker.io/v1/", "bob:pw|")));
}

TEST(DockerConfigTest, DuplicatesMerged) {
  // Same server and credentials, even from differently scoped registries: one key.
  EXPECT_THAT(Auths(BuildDockerConfigJson({
                  Entry("ghcr.io", {"team"}, "alice", "pw", "a@x"),
                  Entry("ghcr.io", {"team"}, "alice", "pw", "a@x"),
                  Entry("ghcr.io", {}, "alice", "pw", "a@x"),
                  Entry("eu.gcr.io", {}, "_json_key", "{}"),
                  Entry("us.gcr.io", {}, "_json_key", "{}"),
              })),
              ElementsAre(Pair("eu.gcr.io", "_json_key:{}|"), Pair("ghcr.io", "alice:pw|a@x"),
                          Pair("us.gcr.io", "_json_key:{}|")));
}

TEST(DockerConfigTest, ConflictingCredentialsArePathScoped) {
  EXPECT_THAT(Auths(BuildDockerConfigJson({
                  Entry("ghcr.io", {"team"}, "team-bot", "a"),
                  Entry("ghcr.io", {"other", "sub"}, "other-bot", "b"),
                  Entry("ghcr.io", {"team"}, "team-bot", "a"),
                  Entry("ghcr.io", {}, "fallback", "c"),
                  Entry("host.example:5000", {"x"}, "x", "1"),
                  Entry("host.example:5000", {"y"}, "y", "2"),
                  Entry("quay.io", {"only"}, "q", "3"),
              })),
              ElementsAre(Pair("ghcr.io", "fallback:c|"), Pair("ghcr.io/other/sub", "other-bot:b|"),
                          Pair("ghcr.io/team", "team-bot:a|"), Pair("host.example:5000/x", "x:1|"),
                          Pair("host.example:5000/y", "y:2|"), Pair("quay.io", "q:3|")));
}

TEST(DockerConfigTest, ConflictingOnlyByEmailIsAConflict) {
  EXPECT_THAT(Auths(BuildDockerConfigJson({
                  Entry("ghcr.io", {"a"}, "u", "p", "one@x"),
                  Entry("ghcr.io", {"b"}, "u", "p", "two@x"),
              })),
              ElementsAre(Pair("ghcr.io/a", "u:p|one@x"), Pair("ghcr.io/b", "u:p|two@x")));
}

TEST(DockerConfigTest, ConflictingOnDockerHub) {
  const std::string hub(kDockerHubConfigKey);
  EXPECT_THAT(
      Auths(BuildDockerConfigJson({
          Entry(hub, {"myorg"}, "org-bot", "a"),
          Entry(hub, {}, "me", "b"),
          Entry(hub, {"library"}, "lib", "c"),
      })),
      ElementsAre(Pair("docker.io/library", "lib:c|"), Pair("docker.io/myorg", "org-bot:a|"),
                  Pair("https://index.docker.io/v1/", "me:b|")));
}

TEST(DockerConfigTest, SameScopedKeyKeepsFirst) {
  EXPECT_THAT(Auths(BuildDockerConfigJson({
                  Entry("ghcr.io", {}, "first", "1"),
                  Entry("ghcr.io", {}, "second", "2"),
              })),
              ElementsAre(Pair("ghcr.io", "first:1|")));
}

TEST(DockerConfigTest, JsonKeyRoundTripsByteExact) {
  const std::string json_key =
      "{\n  \"type\": \"service_account\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMII"
      "\\n-----END PRIVATE KEY-----\\n\",\n\t\"note\": \"caf\xc3\xa9 \\\"q\\\" \\\\ / "
      "\\u0001\"\r\n}"
      "\n";
  const std::string out =
      BuildDockerConfigJson({Entry("eu.gcr.io", {}, "_json_key", json_key, "ci@example.com")});
  const nlohmann::json parsed = nlohmann::json::parse(out);
  const nlohmann::json& entry = parsed.at("auths").at("eu.gcr.io");
  EXPECT_EQ(entry.at("password").get<std::string>(), json_key);
  EXPECT_EQ(entry.at("username").get<std::string>(), "_json_key");
  EXPECT_EQ(entry.at("email").get<std::string>(), "ci@example.com");
  EXPECT_EQ(Base64Decode(entry.at("auth").get<std::string>(), Base64Variant::kStandard),
            "_json_key:" + json_key);
  // One line: raw newlines are escaped inside JSON strings.
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

TEST(DockerConfigTest, DeterministicAcrossInputOrder) {
  const std::vector<DockerConfigEntry> a = {
      Entry("ghcr.io", {"team"}, "t", "1"),
      Entry("quay.io", {}, "q", "2"),
      Entry("ghcr.io", {"other"}, "o", "3"),
  };
  const std::vector<DockerConfigEntry> b = {a[2], a[1], a[0]};
  EXPECT_EQ(BuildDockerConfigJson(a), BuildDockerConfigJson(b));
}

}  // namespace
}  // namespace registry::core
