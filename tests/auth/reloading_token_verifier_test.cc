// Tests for ReloadingTokenVerifier: initial load failures, rotation through Reload() (old key
// refused even when its token was cached, new key accepted), a bad file keeping the old keys, and
// the polling watcher picking up a change. Temp dirs, an injected clock; waits are "eventually,
// within 10 s", never assertions on wall time.
#include "server/auth/reloading_token_verifier.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/devtoken/asymmetric_key.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace registry::auth {
namespace {

using ::registry::devtoken::AsymmetricDevKey;
using ::testing::HasSubstr;

constexpr char kIssuer[] = "https://id.example.test";
constexpr char kAudience[] = "registry";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

const AsymmetricDevKey& RsaKey() {
  static const AsymmetricDevKey* const key = new AsymmetricDevKey(AsymmetricDevKey::GenerateRsa());
  return *key;
}
const AsymmetricDevKey& EcKey() {
  static const AsymmetricDevKey* const key =
      new AsymmetricDevKey(AsymmetricDevKey::GenerateEcP256());
  return *key;
}

// Polls `done` every 5 ms until it is true or 10 s have passed; returns its last value.
template <typename F>
bool Eventually(F done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

class ReloadingTokenVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("reloading_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "jwks.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Replaces the JWKS file atomically (temp file + rename), as deployments should.
  void WriteJwks(const std::string& contents) {
    const std::string tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << contents;
    }
    std::filesystem::rename(tmp, path_);
  }

  static JwtVerifierOptions Options() {
    return JwtVerifierOptions{
        .issuer = kIssuer, .audience = kAudience, .clock = [] { return kNow; }};
  }

  static devtoken::TokenClaims Claims() {
    return devtoken::TokenClaims{.issuer = kIssuer,
                                 .audience = kAudience,
                                 .subject = "alice",
                                 .scopes = {"registry.read"},
                                 .issued_at = kNow - absl::Minutes(1),
                                 .ttl = absl::Hours(1)};
  }

  std::unique_ptr<ReloadingTokenVerifier> MakeVerifier() {
    absl::StatusOr<std::unique_ptr<ReloadingTokenVerifier>> v =
        ReloadingTokenVerifier::Create(path_, Options());
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *std::move(v) : nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
  const std::string rsa_jwks_ = devtoken::JwksForDevKey(RsaKey(), "old");
  const std::string ec_jwks_ = devtoken::JwksForDevKey(EcKey(), "new");
  const std::string old_token_ = devtoken::MintToken(RsaKey(), "old", Claims());
  const std::string new_token_ = devtoken::MintToken(EcKey(), "new", Claims());
};

TEST_F(ReloadingTokenVerifierTest, CreateFailsLikeLoadJwksFileAndCreate) {
  auto missing = ReloadingTokenVerifier::Create(path_, Options());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(path_));

  WriteJwks("{not json");
  auto bad = ReloadingTokenVerifier::Create(path_, Options());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("JWKS file " + path_));

  WriteJwks(rsa_jwks_);
  JwtVerifierOptions no_issuer = Options();
  no_issuer.issuer.clear();
  EXPECT_EQ(ReloadingTokenVerifier::Create(path_, no_issuer).status().code(),
            absl::StatusCode::kInvalidArgument);
  JwtVerifierOptions negative_skew = Options();
  negative_skew.clock_skew = -absl::Seconds(1);
  EXPECT_EQ(ReloadingTokenVerifier::Create(path_, negative_skew).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ReloadingTokenVerifierTest, VerifiesWithTheLoadedKeys) {
  WriteJwks(rsa_jwks_);
  auto verifier = MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(verifier->jwks_path(), path_);
  absl::StatusOr<Principal> p = verifier->Verify(old_token_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "alice");
  EXPECT_EQ(verifier->Verify(new_token_).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(ReloadingTokenVerifierTest, ReloadRotatesKeysAndDropsCachedTokens) {
  WriteJwks(rsa_jwks_);
  auto verifier = MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  ASSERT_TRUE(verifier->Verify(old_token_).ok());
  ASSERT_TRUE(verifier->Verify(old_token_).ok());  // Now served from the cache.

  WriteJwks(ec_jwks_);
  // Until Reload, the old keys stay in force.
  EXPECT_TRUE(verifier->Verify(old_token_).ok());
  ASSERT_TRUE(verifier->Reload().ok());
  absl::StatusOr<Principal> old_result = verifier->Verify(old_token_);
  EXPECT_EQ(old_result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(old_result.status().message()), HasSubstr("unknown key"));
  EXPECT_TRUE(verifier->Verify(new_token_).ok());
}

TEST_F(ReloadingTokenVerifierTest, OverlappingKeySetsKeepBothValidDuringRotation) {
  WriteJwks(rsa_jwks_);
  auto verifier = MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  WriteJwks(devtoken::JwksOf({RsaKey().PublicJwkJson("old"), EcKey().PublicJwkJson("new")}));
  ASSERT_TRUE(verifier->Reload().ok());
  EXPECT_TRUE(verifier->Verify(old_token_).ok());
  EXPECT_TRUE(verifier->Verify(new_token_).ok());
}

TEST_F(ReloadingTokenVerifierTest, InvalidFileKeepsOldKeysAndReturnsTheError) {
  WriteJwks(rsa_jwks_);
  auto verifier = MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  ASSERT_TRUE(verifier->Verify(old_token_).ok());

  WriteJwks("{\"keys\": [");
  absl::Status s = verifier->Reload();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("JWKS file " + path_));
  EXPECT_TRUE(verifier->Verify(old_token_).ok());

  // A refused key (RSA under 2048 bits): the message names the problem, never the key.
  const AsymmetricDevKey weak = AsymmetricDevKey::GenerateRsa(1024);
  const std::string weak_jwk = weak.PublicJwkJson("weak");
  WriteJwks(devtoken::JwksOf({weak_jwk}));
  s = verifier->Reload();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("at least 2048"));
  EXPECT_THAT(std::string(s.message()),
              ::testing::Not(HasSubstr(nlohmann::json::parse(weak_jwk)["n"].get<std::string>())));
  EXPECT_THAT(std::string(s.message()), ::testing::Not(HasSubstr("\n")));
  EXPECT_TRUE(verifier->Verify(old_token_).ok());

  std::filesystem::remove(path_);
  EXPECT_EQ(verifier->Reload().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(verifier->Verify(old_token_).ok());
  EXPECT_FALSE(verifier->Verify(new_token_).ok());

  // And a good file afterwards is picked up.
  WriteJwks(ec_jwks_);
  EXPECT_TRUE(verifier->Reload().ok());
  EXPECT_FALSE(verifier->Verify(old_token_).ok());
  EXPECT_TRUE(verifier->Verify(new_token_).ok());
}

TEST_F(ReloadingTokenVerifierTest, WatcherPicksUpAChange) {
  WriteJwks(rsa_jwks_);
  auto verifier = MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  absl::Mutex mu;
  std::vector<absl::Status> outcomes;
  ASSERT_TRUE(verifier
                  ->StartWatching(absl::Milliseconds(20),
                                  [&](const absl::Status& s) {
                                    absl::MutexLock lock(&mu);
                                    outcomes.push_back(s);
                                  })
                  .ok());
  ASSERT_TRUE(verifier->Verify(old_token_).ok());

  WriteJwks(ec_jwks_);
  EXPECT_TRUE(Eventually([&] { return verifier->Verify(new_token_).ok(); }));
  EXPECT_FALSE(verifier->Verify(old_token_).ok());
  // The callback runs right after the reload it reports.
  EXPECT_TRUE(Eventually([&] {
    absl::MutexLock lock(&mu);
    return !outcomes.empty();
  }));
  {
    absl::MutexLock lock(&mu);
    ASSERT_FALSE(outcomes.empty());
    EXPECT_TRUE(outcomes.back().ok()) << outcomes.back();
  }

  // A broken file: reported through the callback, old keys kept.
  WriteJwks("not json at all");
  EXPECT_TRUE(Eventually([&] {
    absl::MutexLock lock(&mu);
    return !outcomes.empty() && !outcomes.back().ok();
  }));
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(outcomes.back().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(verifier->Verify(new_token_).ok());

  // Fixed again.
  WriteJwks(rsa_jwks_);
  EXPECT_TRUE(Eventually([&] { return verifier->Verify(old_token_).ok(); }));
  EXPECT_FALSE(verifier->Verify(new_token_).ok());
  verifier->StopWatching();
}

TEST_F(ReloadingTokenVerifierTest, WatcherWithoutCallbackAndDestructionWhileWatching) {
  WriteJwks(rsa_jwks_);
  auto verifier = MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  ASSERT_TRUE(verifier->StartWatching(absl::Milliseconds(20)).ok());
  WriteJwks(ec_jwks_);
  EXPECT_TRUE(Eventually([&] { return verifier->Verify(new_token_).ok(); }));
  verifier.reset();  // Stops and joins the watcher.
}

TEST_F(ReloadingTokenVerifierTest, StartWatchingArguments) {
  WriteJwks(rsa_jwks_);
  auto verifier = MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(verifier->StartWatching(absl::ZeroDuration()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(verifier->StartWatching(-absl::Seconds(1)).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(verifier->StartWatching(absl::Milliseconds(20)).ok());
  EXPECT_EQ(verifier->StartWatching(absl::Milliseconds(20)).code(),
            absl::StatusCode::kFailedPrecondition);
  verifier->StopWatching();
  verifier->StopWatching();  // Idempotent.
  // Restartable.
  ASSERT_TRUE(verifier->StartWatching(absl::Milliseconds(20)).ok());
  WriteJwks(ec_jwks_);
  EXPECT_TRUE(Eventually([&] { return verifier->Verify(new_token_).ok(); }));
}

TEST_F(ReloadingTokenVerifierTest, VerifyDuringReloadsStaysConsistent) {
  // Both files trust "old"; only the second also trusts "new".
  const std::string both =
      devtoken::JwksOf({RsaKey().PublicJwkJson("old"), EcKey().PublicJwkJson("new")});
  WriteJwks(rsa_jwks_);
  auto verifier = MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        if (!verifier->Verify(old_token_).ok()) ++failures;
        (void)verifier->Verify(new_token_);
      }
    });
  }
  for (int i = 0; i < 30; ++i) {
    WriteJwks(i % 2 == 0 ? both : rsa_jwks_);
    EXPECT_TRUE(verifier->Reload().ok());
  }
  stop.store(true);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  // The last file (i == 29) trusts only "old".
  EXPECT_FALSE(verifier->Verify(new_token_).ok());
}

TEST_F(ReloadingTokenVerifierTest, CacheCanBeDisabled) {
  WriteJwks(rsa_jwks_);
  auto v = ReloadingTokenVerifier::Create(path_, Options(), /*cache_max_entries=*/0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE((*v)->Verify(old_token_).ok());
  EXPECT_TRUE((*v)->Verify(old_token_).ok());
}

}  // namespace
}  // namespace registry::auth
