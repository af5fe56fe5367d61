// Crash safety: writers create, update and delete registries through gRPC while registryd is
// SIGKILLed at random moments. After every restart each acknowledged write is present with its
// acknowledged content, nothing unacknowledged is half-applied, and every secret opens.
// Cycles: REGISTRY_CRASH_CYCLES (default 20; scripts/crash-soak.sh runs more).
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <random>
#include <thread>

#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "tests/support/server_harness.h"
#include "tests/support/subprocess.h"

namespace registry::testing {
namespace {

constexpr int kWriters = 4;
constexpr int kIdsPerWriter = 12;
constexpr char kMasterKey[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

// What the store may hold for one registry: `acked` for sure, or — while an operation was
// cut off by the crash — `attempted` instead.
struct Expected {
  int acked = 0;  // 0 = absent, else the version (display_name "v<N>", password "pw-<id>-<N>").
  std::optional<int> attempted;
};

std::string IdOf(int writer, int index) {
  return "w" + std::to_string(writer) + "-" + std::to_string(index);
}

grpc::Status Apply(v1::RegistryService::Stub& stub, const std::string& token, const std::string& id,
                   int from_version, int to_version) {
  auto context = AuthContext(token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::Registry response;
  if (to_version == 0) {
    v1::DeleteRegistryRequest request;
    request.set_name("users/alice/registries/" + id);
    google::protobuf::Empty empty;
    return stub.DeleteRegistry(context.get(), request, &empty);
  }
  v1::Registry registry;
  registry.set_display_name("v" + std::to_string(to_version));
  registry.set_password("pw-" + id + "-" + std::to_string(to_version));
  if (from_version == 0) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id(id);
    registry.set_server("registry.example.com/" + id);
    registry.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
    registry.set_username("u");
    *request.mutable_registry() = registry;
    return stub.CreateRegistry(context.get(), request, &response);
  }
  v1::UpdateRegistryRequest request;
  registry.set_name("users/alice/registries/" + id);
  *request.mutable_registry() = registry;
  request.mutable_update_mask()->add_paths("display_name");
  request.mutable_update_mask()->add_paths("password");
  return stub.UpdateRegistry(context.get(), request, &response);
}

class CrashTest : public ::testing::Test {
 protected:
  CrashTest() {
    WriteFile(dir_.File("master.key"), kMasterKey);
    key_ = devtoken::GenerateDevKey();
    WriteFile(dir_.File("jwks.json"), devtoken::JwksForDevKey(key_, "test"));
    devtoken::TokenClaims claims;
    claims.issuer = kIssuer;
    claims.audience = kAudience;
    claims.subject = "alice";
    claims.scopes = {"registry.read", "registry.write"};
    claims.issued_at = absl::Now();
    claims.ttl = absl::Hours(2);
    alice_ = devtoken::MintToken(key_, "test", claims);
    claims.subject = "deployer";
    claims.scopes = {"credentials.resolve"};
    resolver_ = devtoken::MintToken(key_, "test", claims);
  }

  // Starts registryd; returns its channel.
  std::shared_ptr<grpc::Channel> Start(int cycle) {
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{
            REGISTRYD_PATH, "--listen=127.0.0.1:0", "--data-dir=" + dir_.File("data"),
            "--master-key-file=" + dir_.File("master.key"), "--jwks-file=" + dir_.File("jwks.json"),
            "--jwt-issuer=" + std::string(kIssuer)},
        std::map<std::string, std::string>{},
        dir_.File("registryd-" + std::to_string(cycle) + ".log"));
    EXPECT_TRUE(process_->WaitForLog("serving on port", absl::Seconds(60))) << process_->Log();
    const std::string log = process_->Log();
    const size_t at = log.find("serving on port ") + 16;
    return grpc::CreateChannel("127.0.0.1:" + log.substr(at, log.find(' ', at) - at),
                               grpc::InsecureChannelCredentials());
  }

  // Checks the store against `expected`, then settles every uncertain entry to what it holds.
  void Verify(const std::shared_ptr<grpc::Channel>& channel, std::vector<Expected>& expected) {
    auto registries = v1::RegistryService::NewStub(channel);
    std::map<std::string, int> stored;  // id → version
    v1::ListRegistriesRequest list;
    list.set_parent("users/alice");
    list.set_page_size(1000);
    v1::ListRegistriesResponse page;
    grpc::Status listed = registries->ListRegistries(AuthContext(alice_).get(), list, &page);
    ASSERT_TRUE(listed.ok()) << listed.error_message();
    ASSERT_TRUE(page.next_page_token().empty());
    for (const auto& registry : page.registries()) {
      if (registry.global()) continue;
      stored[registry.name().substr(registry.name().rfind('/') + 1)] =
          std::stoi(registry.display_name().substr(1));
    }
    // Every stored secret opens and belongs to the same version as its display name.
    if (!stored.empty()) {
      auto credentials = v1::CredentialService::NewStub(channel);
      v1::ResolveCredentialsRequest request;
      request.set_owner("users/alice");
      request.set_action(v1::ACTION_PULL);
      for (const auto& [id, version] : stored)
        request.add_images("registry.example.com/" + id + "/app");
      v1::ResolveCredentialsResponse response;
      grpc::Status resolved =
          credentials->ResolveCredentials(AuthContext(resolver_).get(), request, &response);
      ASSERT_TRUE(resolved.ok()) << resolved.error_message();
      int i = 0;
      for (const auto& [id, version] : stored) {
        EXPECT_EQ(response.credentials(i++).password(), "pw-" + id + "-" + std::to_string(version))
            << id << ": display name and secret come from different writes";
      }
    }
    for (int w = 0; w < kWriters; ++w) {
      for (int k = 0; k < kIdsPerWriter; ++k) {
        Expected& e = expected[w * kIdsPerWriter + k];
        const std::string id = IdOf(w, k);
        const int actual = stored.count(id) ? stored[id] : 0;
        if (e.attempted.has_value()) {
          EXPECT_TRUE(actual == e.acked || actual == *e.attempted)
              << id << " holds v" << actual << ", expected v" << e.acked << " or v" << *e.attempted;
        } else {
          EXPECT_EQ(actual, e.acked) << id << " lost or changed an acknowledged write";
        }
        e.acked = actual;
        e.attempted.reset();
      }
    }
  }

  TempDir dir_;
  devtoken::DevKey key_;
  std::string alice_, resolver_;
  std::unique_ptr<Subprocess> process_;
};

TEST_F(CrashTest, AcknowledgedWritesSurviveSigkill) {
  const char* env = std::getenv("REGISTRY_CRASH_CYCLES");
  const int cycles = env != nullptr ? std::max(1, std::atoi(env)) : 20;
  std::vector<Expected> expected(kWriters * kIdsPerWriter);
  std::mt19937 random(20261127);
  int next_version = 1;
  std::mutex version_mu;
  int acknowledged_total = 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    auto channel = Start(cycle);
    ASSERT_NO_FATAL_FAILURE(Verify(channel, expected)) << "after restart " << cycle;
    std::atomic<bool> killed{false};
    std::vector<std::thread> writers;
    std::atomic<int> acknowledged{0};
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w, seed = random()] {
        std::mt19937 rng(seed);
        auto stub = v1::RegistryService::NewStub(channel);
        while (!killed.load()) {
          const int k = static_cast<int>(rng() % kIdsPerWriter);
          Expected& e = expected[w * kIdsPerWriter + k];
          int to = 0;
          if (e.acked == 0 || rng() % 4 != 0) {
            std::lock_guard<std::mutex> lock(version_mu);
            to = next_version++;
          }
          e.attempted = to;
          grpc::Status status = Apply(*stub, alice_, IdOf(w, k), e.acked, to);
          if (status.ok()) {
            e.acked = to;
            e.attempted.reset();
            ++acknowledged;
          } else if (!killed.load() && status.error_code() != grpc::StatusCode::UNAVAILABLE) {
            ADD_FAILURE() << "unexpected " << status.error_code() << ": " << status.error_message();
            e.attempted.reset();
          } else {
            break;  // The server is gone: this operation stays uncertain.
          }
        }
      });
    }
    absl::SleepFor(absl::Milliseconds(50 + random() % 250));
    killed = true;
    process_->Signal(SIGKILL);
    EXPECT_EQ(process_->Wait(absl::Seconds(30)), 128 + SIGKILL);
    for (auto& writer : writers) writer.join();
    acknowledged_total += acknowledged.load();
  }
  auto channel = Start(cycles);
  Verify(channel, expected);
  EXPECT_GT(acknowledged_total, cycles);  // The writers really wrote.
  process_->Signal(SIGTERM);
  EXPECT_EQ(process_->Wait(absl::Seconds(30)), 0);
}

}  // namespace
}  // namespace registry::testing
