// Tests for CachingTokenVerifier over a counting fake TokenVerifier (and once over a real
// JwtVerifier): hits skip the inner verifier, entries end at expires_at by the injected clock,
// the cache stays bounded (LRU), failures are never served from it, Clear() wins over in-flight
// verifications.
#include "server/auth/caching_token_verifier.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "client/devtoken/asymmetric_key.h"
#include "client/devtoken/mint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/jwks.h"
#include "server/auth/jwt_verifier.h"

namespace registry::auth {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// A settable clock shared by the test and the cache.
class FakeClock {
 public:
  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  std::function<absl::Time()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = kStart;
};

// A TokenVerifier that answers from a table (unknown tokens are UNAUTHENTICATED) and counts
// calls. Optionally blocks each call until `release` is notified, after signalling `entered`.
class CountingVerifier final : public TokenVerifier {
 public:
  void Accept(const std::string& token, const std::string& subject, absl::Time expires_at) {
    absl::MutexLock lock(&mu_);
    Principal p;
    p.subject = subject;
    p.scopes.insert("registry.read");
    p.expires_at = expires_at;
    answers_[token] = p;
  }
  void Refuse(const std::string& token) {
    absl::MutexLock lock(&mu_);
    answers_.erase(token);
  }
  int calls() const { return calls_.load(); }
  void BlockNextCall(absl::Notification* entered, absl::Notification* release) {
    absl::MutexLock lock(&mu_);
    entered_ = entered;
    release_ = release;
  }

  // TokenVerifier
  absl::StatusOr<Principal> Verify(std::string_view token) const override {
    ++calls_;
    absl::Notification* entered = nullptr;
    absl::Notification* release = nullptr;
    absl::StatusOr<Principal> answer = absl::UnauthenticatedError("token signature invalid");
    {
      absl::MutexLock lock(&mu_);
      std::swap(entered, entered_);
      std::swap(release, release_);
      auto it = answers_.find(std::string(token));
      if (it != answers_.end()) answer = it->second;
    }
    if (entered != nullptr) entered->Notify();
    if (release != nullptr) release->WaitForNotification();
    return answer;
  }

 private:
  mutable std::atomic<int> calls_{0};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Principal> answers_ ABSL_GUARDED_BY(mu_);
  mutable absl::Notification* entered_ ABSL_GUARDED_BY(mu_) = nullptr;
  mutable absl::Notification* release_ ABSL_GUARDED_BY(mu_) = nullptr;
};

class CachingTokenVerifierTest : public ::testing::Test {
 protected:
  // A cache of `max_entries` over a fresh fake (kept in fake_).
  std::unique_ptr<CachingTokenVerifier> MakeCache(size_t max_entries) {
    auto fake = std::make_unique<CountingVerifier>();
    fake_ = fake.get();
    return std::make_unique<CachingTokenVerifier>(std::move(fake), max_entries,
                                                  clock_.AsFunction());
  }

  FakeClock clock_;
  CountingVerifier* fake_ = nullptr;  // Owned by the cache.
};

TEST_F(CachingTokenVerifierTest, SecondVerifyOfSameTokenIsServedFromCache) {
  auto cache = MakeCache(10);
  fake_->Accept("t1", "alice", kStart + absl::Hours(1));
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Principal> p = cache->Verify("t1");
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->subject, "alice");
    EXPECT_TRUE(p->HasScope(kScopeRead));
    EXPECT_EQ(p->expires_at, kStart + absl::Hours(1));
  }
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_EQ(cache->size(), 1u);
}

TEST_F(CachingTokenVerifierTest, DistinctTokensAreDistinctEntries) {
  auto cache = MakeCache(10);
  fake_->Accept("t1", "alice", kStart + absl::Hours(1));
  fake_->Accept("t2", "bob", kStart + absl::Hours(1));
  EXPECT_EQ(cache->Verify("t1")->subject, "alice");
  EXPECT_EQ(cache->Verify("t2")->subject, "bob");
  EXPECT_EQ(cache->Verify("t1")->subject, "alice");
  EXPECT_EQ(cache->Verify("t2")->subject, "bob");
  EXPECT_EQ(fake_->calls(), 2);
}

TEST_F(CachingTokenVerifierTest, EntryExpiresAtExp) {
  auto cache = MakeCache(10);
  fake_->Accept("t1", "alice", kStart + absl::Minutes(10));
  ASSERT_TRUE(cache->Verify("t1").ok());
  clock_.Advance(absl::Minutes(10) - absl::Nanoseconds(1));
  ASSERT_TRUE(cache->Verify("t1").ok());
  EXPECT_EQ(fake_->calls(), 1);

  // At exp the entry is gone: the inner verifier decides (here: it now refuses).
  clock_.Advance(absl::Nanoseconds(1));
  fake_->Refuse("t1");
  absl::StatusOr<Principal> p = cache->Verify("t1");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_->calls(), 2);
  EXPECT_EQ(cache->size(), 0u);
}

TEST_F(CachingTokenVerifierTest, PrincipalWithoutFutureExpiryIsNotCached) {
  auto cache = MakeCache(10);
  fake_->Accept("unknown-expiry", "alice", absl::InfinitePast());
  fake_->Accept("already-expired", "bob", kStart);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(cache->Verify("unknown-expiry").ok());
    EXPECT_TRUE(cache->Verify("already-expired").ok());
  }
  EXPECT_EQ(fake_->calls(), 4);
  EXPECT_EQ(cache->size(), 0u);
}

TEST_F(CachingTokenVerifierTest, FailuresAreNotCached) {
  auto cache = MakeCache(10);
  EXPECT_EQ(cache->Verify("bad").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(cache->Verify("bad").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_->calls(), 2);
  EXPECT_EQ(cache->size(), 0u);
  // Nothing negative is remembered either: once the inner verifier accepts, so does the cache.
  fake_->Accept("bad", "alice", kStart + absl::Hours(1));
  EXPECT_TRUE(cache->Verify("bad").ok());
  EXPECT_EQ(fake_->calls(), 3);
}

TEST_F(CachingTokenVerifierTest, NeverExceedsMaxEntriesAndEvictsLeastRecentlyUsed) {
  auto cache = MakeCache(3);
  for (int i = 0; i < 20; ++i) {
    const std::string token = "t" + std::to_string(i);
    fake_->Accept(token, "user" + std::to_string(i), kStart + absl::Hours(1));
    ASSERT_TRUE(cache->Verify(token).ok());
    EXPECT_LE(cache->size(), 3u);
  }
  EXPECT_EQ(cache->size(), 3u);
  const int after_fill = fake_->calls();
  // t17, t18, t19 are cached. Touch t17, then add t20: t18 is the least recently used.
  ASSERT_TRUE(cache->Verify("t17").ok());
  EXPECT_EQ(fake_->calls(), after_fill);
  fake_->Accept("t20", "user20", kStart + absl::Hours(1));
  ASSERT_TRUE(cache->Verify("t20").ok());
  EXPECT_EQ(fake_->calls(), after_fill + 1);
  ASSERT_TRUE(cache->Verify("t17").ok());
  ASSERT_TRUE(cache->Verify("t19").ok());
  EXPECT_EQ(fake_->calls(), after_fill + 1);
  ASSERT_TRUE(cache->Verify("t18").ok());  // Evicted: goes to the inner verifier.
  EXPECT_EQ(fake_->calls(), after_fill + 2);
  EXPECT_EQ(cache->size(), 3u);
}

TEST_F(CachingTokenVerifierTest, DefaultBoundIsTenThousand) {
  EXPECT_EQ(CachingTokenVerifier::kDefaultMaxEntries, 10000u);
}

TEST_F(CachingTokenVerifierTest, ZeroMaxEntriesDisablesCaching) {
  auto cache = MakeCache(0);
  fake_->Accept("t1", "alice", kStart + absl::Hours(1));
  EXPECT_TRUE(cache->Verify("t1").ok());
  EXPECT_TRUE(cache->Verify("t1").ok());
  EXPECT_EQ(fake_->calls(), 2);
  EXPECT_EQ(cache->size(), 0u);
}

TEST_F(CachingTokenVerifierTest, OversizedTokensBypassTheCache) {
  auto cache = MakeCache(10);
  const std::string big(CachingTokenVerifier::kMaxCachedTokenBytes + 1, 'a');
  fake_->Accept(big, "alice", kStart + absl::Hours(1));
  EXPECT_TRUE(cache->Verify(big).ok());
  EXPECT_TRUE(cache->Verify(big).ok());
  EXPECT_EQ(fake_->calls(), 2);
}

TEST_F(CachingTokenVerifierTest, ClearDropsEverything) {
  auto cache = MakeCache(10);
  fake_->Accept("t1", "alice", kStart + absl::Hours(1));
  ASSERT_TRUE(cache->Verify("t1").ok());
  cache->Clear();
  EXPECT_EQ(cache->size(), 0u);
  fake_->Refuse("t1");  // E.g. its key was rotated out.
  EXPECT_FALSE(cache->Verify("t1").ok());
  EXPECT_EQ(fake_->calls(), 2);
}

TEST_F(CachingTokenVerifierTest, VerifyInFlightDuringClearDoesNotRepopulate) {
  auto cache = MakeCache(10);
  fake_->Accept("t1", "alice", kStart + absl::Hours(1));
  absl::Notification entered;
  absl::Notification release;
  fake_->BlockNextCall(&entered, &release);
  std::thread verifying([&] { EXPECT_TRUE(cache->Verify("t1").ok()); });
  entered.WaitForNotification();
  cache->Clear();  // Keys rotated while t1 was being checked against the old ones.
  release.Notify();
  verifying.join();
  EXPECT_EQ(cache->size(), 0u);
  ASSERT_TRUE(cache->Verify("t1").ok());
  EXPECT_EQ(fake_->calls(), 2);
  EXPECT_EQ(cache->size(), 1u);
}

TEST_F(CachingTokenVerifierTest, NoCachedAnswerBetweenAKeySwapAndTheClear) {
  auto cache = MakeCache(10);
  fake_->Accept("t1", "alice", kStart + absl::Hours(1));
  ASSERT_TRUE(cache->Verify("t1").ok());  // Cached under the old keys.
  absl::Notification verify_returned;
  std::thread verifying;
  absl::StatusOr<Principal> during = absl::UnknownError("not run");
  cache->ClearAfter([&] {
    fake_->Refuse("t1");  // The swap: t1's key is gone.
    verifying = std::thread([&] {
      during = cache->Verify("t1");
      verify_returned.Notify();
    });
    // Swapped but not yet cleared: a Verify now must wait, not take the cached answer.
    EXPECT_FALSE(verify_returned.WaitForNotificationWithTimeout(absl::Milliseconds(100)));
  });
  verifying.join();
  EXPECT_FALSE(during.ok());
  EXPECT_EQ(cache->size(), 0u);
}

TEST_F(CachingTokenVerifierTest, ConcurrentUseIsSafeAndBounded) {
  auto cache = MakeCache(8);
  for (int i = 0; i < 16; ++i) {
    fake_->Accept("t" + std::to_string(i), "u", kStart + absl::Hours(1));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (!cache->Verify("t" + std::to_string((i * 7 + t) % 16)).ok()) ++failures;
        if (cache->Verify("nope").ok()) ++failures;
        if (i % 100 == 0) cache->Clear();
        if (cache->size() > 8) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(cache->size(), 8u);
}

TEST_F(CachingTokenVerifierTest, CachesRealJwtVerifierResults) {
  const devtoken::AsymmetricDevKey key = devtoken::AsymmetricDevKey::GenerateEcP256();
  absl::StatusOr<Jwks> jwks = ParseJwks(devtoken::JwksForDevKey(key, "ec"));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  JwtVerifierOptions options{.issuer = "iss", .audience = "registry", .clock = clock_.AsFunction()};
  absl::StatusOr<TokenVerifierPtr> jwt = JwtVerifier::Create(*std::move(jwks), options);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  CachingTokenVerifier cache(*std::move(jwt), 100, clock_.AsFunction());

  devtoken::TokenClaims claims{.issuer = "iss",
                               .audience = "registry",
                               .subject = "alice",
                               .issued_at = kStart,
                               .ttl = absl::Minutes(5)};
  const std::string token = devtoken::MintToken(key, "ec", claims);
  absl::StatusOr<Principal> p = cache.Verify(token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->expires_at, kStart + absl::Minutes(5));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.Verify(token).ok());

  // After exp the cached entry no longer serves; the JwtVerifier still allows the skew, after
  // which the token is refused.
  clock_.Advance(absl::Minutes(5));
  EXPECT_TRUE(cache.Verify(token).ok());
  EXPECT_EQ(cache.size(), 0u);  // Accepted within skew, but not cached past exp.
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(cache.Verify(token).status().code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace registry::auth
