// registryd as a process: it refuses to start with one clear line on bad configuration, takes
// its flags from REGISTRYD_* env vars, and shuts down cleanly on SIGTERM.
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <csignal>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/devtoken/mint.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/server_harness.h"
#include "tests/support/subprocess.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kGoodKey[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
constexpr char kOtherKey[] = "HxAREhMUFRYXGBkaGxwdHh8AAQIDBAUGBwgJCgsMDQ4=\n";

class StartupTest : public ::testing::Test {
 protected:
  StartupTest() {
    WriteFile(dir_.File("master.key"), kGoodKey);
    WriteFile(dir_.File("jwks.json"), devtoken::JwksForDevKey(devtoken::GenerateDevKey(), "test"));
  }

  std::vector<std::string> Flags() const {
    return {REGISTRYD_PATH,
            "--listen=127.0.0.1:0",
            "--data-dir=" + dir_.File("data"),
            "--master-key-file=" + dir_.File("master.key"),
            "--jwks-file=" + dir_.File("jwks.json"),
            "--jwt-issuer=https://issuer.test"};
  }

  // Runs registryd to completion and returns (exit code, log).
  std::pair<int, std::string> RunToExit(const std::vector<std::string>& argv) {
    Subprocess process(argv, {}, dir_.File("registryd.log"));
    int code = process.Wait(absl::Seconds(30));
    return {code, process.Log()};
  }

  // The ERROR lines of `log`.
  static std::vector<std::string> ErrorLines(const std::string& log) {
    std::vector<std::string> lines;
    for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
      if (line.find(" ERROR ") != absl::string_view::npos) lines.emplace_back(line);
    }
    return lines;
  }

  TempDir dir_;
};

TEST_F(StartupTest, MissingMasterKeyFileIsRefused) {
  auto argv = Flags();
  argv[3] = "--master-key-file=" + dir_.File("absent.key");
  auto [code, log] = RunToExit(argv);
  EXPECT_EQ(code, 1);
  ASSERT_EQ(ErrorLines(log).size(), 1u) << log;
  EXPECT_THAT(ErrorLines(log)[0], HasSubstr("absent.key"));
}

TEST_F(StartupTest, MalformedMasterKeyIsRefusedWithoutEchoingIt) {
  WriteFile(dir_.File("master.key"), "c2hvcnQta2V5LXNlY3JldA==\n");
  auto [code, log] = RunToExit(Flags());
  EXPECT_EQ(code, 1);
  ASSERT_EQ(ErrorLines(log).size(), 1u) << log;
  EXPECT_THAT(ErrorLines(log)[0], HasSubstr("master key"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("c2hvcnQta2V5LXNlY3JldA")));
}

TEST_F(StartupTest, InvalidJwksIsRefused) {
  WriteFile(dir_.File("jwks.json"), "{\"keys\": 42}");
  auto [code, log] = RunToExit(Flags());
  EXPECT_EQ(code, 1);
  ASSERT_EQ(ErrorLines(log).size(), 1u) << log;
  EXPECT_THAT(ErrorLines(log)[0], HasSubstr("jwks.json"));
}

TEST_F(StartupTest, WrongMasterKeyForExistingDataIsRefused) {
  {
    Subprocess first(Flags(), {}, dir_.File("first.log"));
    ASSERT_TRUE(first.WaitForLog("serving on port", absl::Seconds(30))) << first.Log();
    first.Signal(SIGTERM);
    ASSERT_EQ(first.Wait(absl::Seconds(30)), 0) << first.Log();
  }
  WriteFile(dir_.File("master.key"), kOtherKey);
  auto [code, log] = RunToExit(Flags());
  EXPECT_EQ(code, 1);
  ASSERT_EQ(ErrorLines(log).size(), 1u) << log;
  EXPECT_THAT(ErrorLines(log)[0], HasSubstr("master key does not open"));
}

TEST_F(StartupTest, DataDirInUseIsRefused) {
  Subprocess first(Flags(), {}, dir_.File("first.log"));
  ASSERT_TRUE(first.WaitForLog("serving on port", absl::Seconds(30))) << first.Log();
  auto [code, log] = RunToExit(Flags());
  EXPECT_EQ(code, 1);
  ASSERT_EQ(ErrorLines(log).size(), 1u) << log;
  EXPECT_THAT(ErrorLines(log)[0], HasSubstr("in use"));
}

TEST_F(StartupTest, EnvironmentConfiguresAndSigtermStopsCleanly) {
  std::map<std::string, std::string> env = {
      {"REGISTRYD_LISTEN", "127.0.0.1:0"},
      {"REGISTRYD_DATA_DIR", dir_.File("data")},
      {"REGISTRYD_MASTER_KEY_FILE", dir_.File("master.key")},
      {"REGISTRYD_JWKS_FILE", dir_.File("jwks.json")},
      {"REGISTRYD_JWT_ISSUER", "https://issuer.test"},
      {"REGISTRYD_SHUTDOWN_GRACE", "2s"},
  };
  Subprocess server({REGISTRYD_PATH}, env, dir_.File("server.log"));
  ASSERT_TRUE(server.WaitForLog("serving on port", absl::Seconds(30))) << server.Log();
  const std::string log = server.Log();
  const size_t at = log.find("serving on port ") + std::string("serving on port ").size();
  const std::string port = log.substr(at, log.find(' ', at) - at);

  auto channel = grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, {}, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(absl::Seconds(30)), 0);
  EXPECT_THAT(server.Log(), HasSubstr("stopped cleanly"));
}

TEST_F(StartupTest, CorruptDataDirIsRefusedNeverReset) {
  {
    Subprocess first(Flags(), {}, dir_.File("first.log"));
    ASSERT_TRUE(first.WaitForLog("serving on port", absl::Seconds(30))) << first.Log();
    first.Signal(SIGTERM);
    ASSERT_EQ(first.Wait(absl::Seconds(30)), 0) << first.Log();
  }
  WriteFile(dir_.File("data/CURRENT"), "MANIFEST-999999\n");  // Points at nothing.
  auto [code, log] = RunToExit(Flags());
  EXPECT_EQ(code, 1);
  ASSERT_EQ(ErrorLines(log).size(), 1u) << log;
  EXPECT_THAT(ErrorLines(log)[0], HasSubstr("corrupt"));
  // Nothing was reset: the broken CURRENT is still there for an operator to look at.
  EXPECT_EQ(ReadFile(dir_.File("data/CURRENT")), "MANIFEST-999999\n");
}

TEST_F(StartupTest, CapacityFlagsBelowTheirMinimumAreRefusedAndNamed) {
  // Each limit a typo could set to nothing; the capacity flags of issue 6 included.
  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--max-threads", "3"},
                                                        {"--max-inflight-resolves", "0"},
                                                        {"--max-inflight-writes", "0"},
                                                        {"--resolve-cache-owners", "0"},
                                                        {"--resolve-cache-bytes", "0"},
                                                        {"--block-cache-bytes", "1048575"},
                                                        {"--max-concurrent-streams", "0"},
                                                        {"--max-request-bytes", "1023"}}) {
    auto argv = Flags();
    argv.push_back(flag + "=" + value);
    auto [code, log] = RunToExit(argv);
    EXPECT_EQ(code, 1) << flag;
    EXPECT_THAT(log, HasSubstr(flag + " must be at least")) << flag;
  }
}

TEST_F(StartupTest, MissingIssuerIsRefused) {
  auto argv = Flags();
  argv.pop_back();
  auto [code, log] = RunToExit(argv);
  EXPECT_EQ(code, 1);
  EXPECT_THAT(log, HasSubstr("--jwt-issuer"));
}

}  // namespace
}  // namespace registry::testing
