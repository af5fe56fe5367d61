// registryctl end to end against a real server (its whole program runs in-process through
// RunRegistryctl with injected streams and environment).
#include "client/registryctl/registryctl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "client/registry_client.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RegistryctlTest : public ::testing::Test {
 protected:
  struct Result {
    int code;
    std::string out;
    std::string err;
  };

  Result Run(std::vector<std::string> argv, const std::string& stdin_text = "",
             std::map<std::string, std::string> env = {}) {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    if (env.count("REGISTRYCTL_TOKEN") == 0) env["REGISTRYCTL_TOKEN"] = token_;
    env["REGISTRYCTL_ADDR"] = server_.address();
    ctl::Io io{in, out, err, [&env](const char* name) -> const char* {
                 auto it = env.find(name);
                 return it == env.end() ? nullptr : it->second.c_str();
               }};
    int code = ctl::RunRegistryctl(argv, io, [](const ctl::Connection& connection) {
      auto channel = ctl::CreateChannel(connection);
      return ctl::Stubs{v1::RegistryService::NewStub(channel),
                        v1::CredentialService::NewStub(channel),
                        v1::AdminService::NewStub(channel)};
    });
    return {code, out.str(), err.str()};
  }

  ServerHarness server_;
  std::string token_ = server_.UserToken("alice");
};

TEST_F(RegistryctlTest, CreateReadsTheSecretFromStdinAndNeverPrintsIt) {
  Result created = Run(
      {"registries", "create", "users/alice", "--id", "quay", "--display-name", "Quay", "--server",
       "quay.io", "--type", "username-password", "--username", "robot", "--secret-file", "-"},
      "s3cret-from-stdin\n");
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("users/alice/registries/quay"));
  EXPECT_THAT(created.out, Not(HasSubstr("s3cret-from-stdin")));

  Result listed = Run({"registries", "list", "users/alice"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("registries/docker-hub"));
  EXPECT_THAT(listed.out, HasSubstr("users/alice/registries/quay"));
  EXPECT_THAT(listed.out, HasSubstr("yes"));  // SECRET column.

  Result json = Run({"--output", "json", "registries", "get", "users/alice/registries/quay"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"secretSet\": true"));
  EXPECT_THAT(json.out, Not(HasSubstr("s3cret-from-stdin")));
}

TEST_F(RegistryctlTest, SecretsOnTheCommandLineAreRefused) {
  Result result =
      Run({"registries", "create", "users/alice", "--display-name", "Quay", "--server", "quay.io",
           "--type", "username-password", "--username", "robot", "--password", "oops"});
  EXPECT_EQ(result.code, 2);
  EXPECT_THAT(result.err, HasSubstr("--secret-file"));
  EXPECT_EQ(Run({"registries", "get", "users/alice/registries/quay"}).code, 1);
}

TEST_F(RegistryctlTest, UpdateDeleteAndErrorsCarryTheServerCode) {
  ASSERT_EQ(Run({"registries", "create", "users/alice", "--id", "pub", "--display-name", "Public",
                 "--server", "registry.example.com:5000/team", "--type", "none"})
                .code,
            0);
  Result updated =
      Run({"registries", "update", "users/alice/registries/pub", "--display-name", "Renamed"});
  ASSERT_EQ(updated.code, 0) << updated.err;
  EXPECT_THAT(updated.out, HasSubstr("Renamed"));

  Result bad = Run({"registries", "update", "users/alice/registries/pub", "--server", "ftp://x"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(bad.err, HasSubstr("registry.server"));

  ASSERT_EQ(Run({"registries", "delete", "users/alice/registries/pub"}).code, 0);
  Result missing = Run({"registries", "get", "users/alice/registries/pub"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
}

TEST_F(RegistryctlTest, PresetsTable) {
  Result presets = Run({"presets"});
  ASSERT_EQ(presets.code, 0) << presets.err;
  EXPECT_THAT(presets.out, HasSubstr("ghcr.io"));
  EXPECT_THAT(presets.out, HasSubstr("_json_key"));
}

TEST_F(RegistryctlTest, TokenFromFlagWinsAndBadTokenIsUnauthenticated) {
  Result result = Run({"--token", "garbage", "presets"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.err, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(result.err, Not(HasSubstr("garbage")));
}

TEST_F(RegistryctlTest, DevKeygenAndTokenProduceATokenTheServerAccepts) {
  Result keygen = Run({"dev", "keygen", "--key-out", server_.dir().File("dev.key"), "--jwks-out",
                       server_.dir().File("dev-jwks.json"), "--kid", "k1"});
  ASSERT_EQ(keygen.code, 0) << keygen.err;
  EXPECT_THAT(ReadFile(server_.dir().File("dev-jwks.json")), HasSubstr("\"kid\":\"k1\""));
  Result token = Run({"dev", "token", "--key", server_.dir().File("dev.key"), "--sub", "alice",
                      "--scope", "registry.read registry.write", "--issuer", kIssuer});
  ASSERT_EQ(token.code, 0) << token.err;
  EXPECT_EQ(std::count(token.out.begin(), token.out.end(), '.'), 2);
  Result master = Run({"dev", "master-key"});
  ASSERT_EQ(master.code, 0);
  EXPECT_EQ(master.out.size(), 45u);  // 44 base64 chars + newline.
}

TEST_F(RegistryctlTest, ResolvePrintsATableAndADockerConfig) {
  ASSERT_EQ(Run({"registries", "create", "users/alice", "--id", "ghcr", "--display-name", "GHCR",
                 "--server", "ghcr.io", "--type", "username-password", "--username", "octocat",
                 "--secret-file", "-"},
                "ghp_resolve_secret\n")
                .code,
            0);
  const std::string resolver = server_.Token("deployer", "credentials.resolve");
  std::map<std::string, std::string> env = {{"REGISTRYCTL_TOKEN", resolver}};
  Result table =
      Run({"resolve", "--owner", "users/alice", "--explain", "ghcr.io/team/app", "nginx"}, "", env);
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("users/alice/registries/ghcr"));
  EXPECT_THAT(table.out, HasSubstr("docker.io/library/nginx:latest"));
  EXPECT_THAT(table.out, HasSubstr("registries/docker-hub"));
  EXPECT_THAT(table.out, Not(HasSubstr("ghp_resolve_secret")));  // Tables never show secrets.

  Result config =
      Run({"resolve", "--owner", "users/alice", "--docker-config", "ghcr.io/team/app"}, "", env);
  ASSERT_EQ(config.code, 0) << config.err;
  // base64("octocat:ghp_resolve_secret")
  EXPECT_THAT(config.out, HasSubstr("\"auth\":\"b2N0b2NhdDpnaHBfcmVzb2x2ZV9zZWNyZXQ=\""));
  EXPECT_THAT(config.out, HasSubstr("\"ghcr.io\""));

  Result push = Run({"resolve", "--owner", "users/alice", "--push", "quay.io/x/y"}, "", env);
  EXPECT_EQ(push.code, 1);
  EXPECT_THAT(push.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_EQ(Run({"resolve", "nginx"}, "", env).code, 2);
}

TEST_F(RegistryctlTest, EventsShowWhoUsedTheRegistryAndAdminRewraps) {
  ASSERT_EQ(Run({"registries", "create", "users/alice", "--id", "ghcr", "--display-name", "GHCR",
                 "--server", "ghcr.io", "--type", "username-password", "--username", "octocat",
                 "--secret-file", "-"},
                "ghp_events_secret\n")
                .code,
            0);
  std::map<std::string, std::string> resolver = {
      {"REGISTRYCTL_TOKEN", server_.Token("deployer", "credentials.resolve")}};
  ASSERT_EQ(Run({"resolve", "--owner", "users/alice", "ghcr.io/team/app:7"}, "", resolver).code, 0);
  Result events = Run({"registries", "events", "users/alice/registries/ghcr"});
  ASSERT_EQ(events.code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("deployer"));
  EXPECT_THAT(events.out, HasSubstr("ResolveCredentials pull ghcr.io/team/app:7"));
  EXPECT_THAT(events.out, HasSubstr("CreateRegistry"));
  EXPECT_THAT(events.out, Not(HasSubstr("ghp_events_secret")));

  std::map<std::string, std::string> admin = {
      {"REGISTRYCTL_TOKEN", server_.Token("operator", "registry.admin")}};
  Result rotated = Run({"admin", "rotate-key"}, "", admin);
  ASSERT_EQ(rotated.code, 0) << rotated.err;
  EXPECT_THAT(rotated.out, HasSubstr("key term 2"));
  Result rewrap = Run({"admin", "rewrap", "--batch-size", "2"}, "", admin);
  ASSERT_EQ(rewrap.code, 0) << rewrap.err;
  EXPECT_THAT(rewrap.out, HasSubstr("done."));
  EXPECT_EQ(Run({"admin", "rewrap"}).code, 1);  // A user token may not.
}

TEST_F(RegistryctlTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({}).code, 2);
  EXPECT_EQ(Run({"registries"}).code, 2);
  EXPECT_EQ(Run({"registries", "get"}).code, 2);
  EXPECT_EQ(Run({"--output", "yaml", "presets"}).code, 2);
  EXPECT_EQ(Run({"--help"}).code, 0);
}

}  // namespace
}  // namespace registry::testing
