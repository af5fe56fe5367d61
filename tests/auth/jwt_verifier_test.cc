// Tests for JwtVerifier with tokens minted (and forged) by registry_devtoken, a fixed clock and
// deterministic keys. Every refusal must be UNAUTHENTICATED and must not echo the token.
#include "server/auth/jwt_verifier.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace registry::auth {
namespace {

using ::registry::devtoken::DevKey;
using ::registry::devtoken::DevKeyFromSeed;
using ::registry::devtoken::MintToken;
using ::registry::devtoken::SignJws;
using ::registry::devtoken::TokenClaims;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Json = nlohmann::json;

constexpr char kIssuer[] = "https://id.example.test";
constexpr char kAudience[] = "registry";
constexpr char kKid[] = "k1";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

class JwtVerifierTest : public ::testing::Test {
 protected:
  JwtVerifierTest() : key_(DevKeyFromSeed({1, 2, 3})), verifier_(MakeVerifier({key_})) {}

  // A verifier trusting `keys` (kids k1, k2, ...) at the fixed time kNow.
  static JwtVerifier MakeVerifier(const std::vector<DevKey>& keys) {
    Jwks jwks;
    for (size_t i = 0; i < keys.size(); ++i) {
      jwks.keys.push_back(JwkKey{"k" + std::to_string(i + 1), keys[i].public_key});
    }
    JwtVerifierOptions options;
    options.issuer = kIssuer;
    options.audience = kAudience;
    options.clock = [] { return kNow; };
    return JwtVerifier(std::move(jwks), std::move(options));
  }

  static TokenClaims Claims() {
    TokenClaims claims;
    claims.issuer = kIssuer;
    claims.audience = kAudience;
    claims.subject = "alice";
    claims.scopes = {"registry.read", "registry.write"};
    claims.groups = {"dev", "ops"};
    claims.issued_at = kNow - absl::Minutes(5);
    claims.ttl = absl::Hours(1);
    return claims;
  }

  // The payload Claims() produces, as JSON to edit.
  static Json ClaimsJson() { return Json::parse(devtoken::PayloadJson(Claims())); }

  std::string Sign(const Json& header, const Json& payload) const {
    return SignJws(key_, header.dump(), payload.dump());
  }
  std::string SignPayload(const Json& payload) const {
    return SignJws(key_, devtoken::HeaderJson(kKid), payload.dump());
  }

  // Asserts that `token` is refused as UNAUTHENTICATED with `reason`, without echoing it.
  void ExpectRejected(const std::string& token, const std::string& reason) const {
    absl::StatusOr<Principal> p = verifier_.Verify(token);
    ASSERT_FALSE(p.ok()) << "accepted: " << reason;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << p.status();
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(reason));
    if (!token.empty()) {
      EXPECT_THAT(std::string(p.status().message()), ::testing::Not(HasSubstr(token)));
      for (absl::string_view part : absl::StrSplit(token, '.', absl::SkipEmpty())) {
        if (part.size() >= 8) {
          EXPECT_THAT(std::string(p.status().message()),
                      ::testing::Not(HasSubstr(std::string(part))));
        }
      }
    }
  }

  DevKey key_;
  JwtVerifier verifier_;
};

TEST_F(JwtVerifierTest, ValidTokenGivesPrincipal) {
  absl::StatusOr<Principal> p = verifier_.Verify(MintToken(key_, kKid, Claims()));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "alice");
  EXPECT_THAT(p->scopes, UnorderedElementsAre("registry.read", "registry.write"));
  EXPECT_TRUE(p->HasScope(kScopeRead));
  EXPECT_FALSE(p->HasScope(kScopeAdmin));
  EXPECT_THAT(p->groups, ::testing::ElementsAre("dev", "ops"));
  EXPECT_TRUE(p->InGroup("ops"));
  EXPECT_FALSE(p->InGroup("root"));
}

TEST_F(JwtVerifierTest, ScopeAndGroupsAreOptional) {
  Json payload = ClaimsJson();
  payload.erase("scope");
  payload.erase("groups");
  payload.erase("iat");
  absl::StatusOr<Principal> p = verifier_.Verify(SignPayload(payload));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->scopes.empty());
  EXPECT_TRUE(p->groups.empty());
}

TEST_F(JwtVerifierTest, ScopeSplitsOnSpacesIgnoringRepeats) {
  Json payload = ClaimsJson();
  payload["scope"] = "  registry.admin   credentials.resolve ";
  absl::StatusOr<Principal> p = verifier_.Verify(SignPayload(payload));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->scopes, UnorderedElementsAre("registry.admin", "credentials.resolve"));
}

TEST_F(JwtVerifierTest, AudienceArrayContainingOursIsAccepted) {
  Json payload = ClaimsJson();
  payload["aud"] = {"other", kAudience};
  EXPECT_TRUE(verifier_.Verify(SignPayload(payload)).ok());
}

TEST_F(JwtVerifierTest, TokenWithoutKidUsesTheOnlyKey) {
  EXPECT_TRUE(verifier_.Verify(Sign({{"alg", "EdDSA"}}, ClaimsJson())).ok());
}

TEST_F(JwtVerifierTest, TokenWithoutKidIsRefusedWhenSeveralKeys) {
  JwtVerifier two = MakeVerifier({key_, DevKeyFromSeed({9})});
  absl::StatusOr<Principal> p = two.Verify(Sign({{"alg", "EdDSA"}}, ClaimsJson()));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(p.status().message(), HasSubstr("unknown key"));
}

TEST_F(JwtVerifierTest, SelectsKeyByKid) {
  const DevKey second = DevKeyFromSeed({9});
  JwtVerifier two = MakeVerifier({key_, second});
  EXPECT_TRUE(two.Verify(MintToken(second, "k2", Claims())).ok());
  EXPECT_FALSE(two.Verify(MintToken(second, "k1", Claims())).ok());
}

TEST_F(JwtVerifierTest, FractionalNumericDatesAreAccepted) {
  Json payload = ClaimsJson();
  payload["exp"] = absl::ToUnixSeconds(kNow) + 0.5;
  payload["nbf"] = absl::ToUnixSeconds(kNow) - 0.5;
  EXPECT_TRUE(verifier_.Verify(SignPayload(payload)).ok());
}

TEST_F(JwtVerifierTest, DefaultClockIsWallClock) {
  JwtVerifierOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  Jwks jwks{{JwkKey{kKid, key_.public_key}}};
  JwtVerifier wall(std::move(jwks), std::move(options));
  TokenClaims claims = Claims();
  claims.issued_at = absl::Now();
  EXPECT_TRUE(wall.Verify(MintToken(key_, kKid, claims)).ok());
}

TEST(JwtVerifierCreateTest, RefusesIncompleteConfiguration) {
  const DevKey key = DevKeyFromSeed({1});
  Jwks jwks{{JwkKey{kKid, key.public_key}}};
  JwtVerifierOptions good{.issuer = kIssuer, .audience = kAudience};
  EXPECT_TRUE(JwtVerifier::Create(jwks, good).ok());

  JwtVerifierOptions no_issuer = good;
  no_issuer.issuer.clear();
  EXPECT_EQ(JwtVerifier::Create(jwks, no_issuer).status().code(),
            absl::StatusCode::kInvalidArgument);
  JwtVerifierOptions no_audience = good;
  no_audience.audience.clear();
  EXPECT_EQ(JwtVerifier::Create(jwks, no_audience).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(JwtVerifier::Create(Jwks{}, good).status().code(), absl::StatusCode::kInvalidArgument);
  JwtVerifierOptions negative_skew = good;
  negative_skew.clock_skew = -absl::Seconds(1);
  EXPECT_EQ(JwtVerifier::Create(jwks, negative_skew).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Time claims, relative to kNow with the default 60 s skew.
struct TimeCase {
  std::string name;
  absl::Duration exp;                 // exp - now
  std::optional<absl::Duration> nbf;  // nbf - now
  std::optional<absl::Duration> iat;  // iat - now
  std::string reason;                 // empty: accepted
};

class JwtVerifierTimeTest : public JwtVerifierTest,
                            public ::testing::WithParamInterface<TimeCase> {};

TEST_P(JwtVerifierTimeTest, AppliesSkew) {
  const TimeCase& c = GetParam();
  Json payload = ClaimsJson();
  payload["exp"] = absl::ToUnixSeconds(kNow + c.exp);
  payload.erase("iat");
  if (c.nbf) payload["nbf"] = absl::ToUnixSeconds(kNow + *c.nbf);
  if (c.iat) payload["iat"] = absl::ToUnixSeconds(kNow + *c.iat);
  const std::string token = SignPayload(payload);
  if (c.reason.empty()) {
    absl::StatusOr<Principal> p = verifier_.Verify(token);
    EXPECT_TRUE(p.ok()) << p.status();
  } else {
    ExpectRejected(token, c.reason);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JwtVerifierTimeTest,
    ::testing::Values(
        TimeCase{"Valid", absl::Minutes(10), std::nullopt, std::nullopt, ""},
        TimeCase{"Expired", -absl::Minutes(10), std::nullopt, std::nullopt, "token expired"},
        TimeCase{"ExpiredWithinSkew", -absl::Seconds(30), std::nullopt, std::nullopt, ""},
        TimeCase{"ExpiredExactlyAtSkew", -absl::Seconds(60), std::nullopt, std::nullopt,
                 "token expired"},
        TimeCase{"NbfInFuture", absl::Hours(2), absl::Hours(1), std::nullopt,
                 "token not yet valid"},
        TimeCase{"NbfWithinSkew", absl::Hours(2), absl::Seconds(30), std::nullopt, ""},
        TimeCase{"NbfInPast", absl::Hours(2), -absl::Hours(1), std::nullopt, ""},
        TimeCase{"IatFarInFuture", absl::Hours(2), std::nullopt, absl::Hours(1),
                 "token issued in the future"},
        TimeCase{"IatWithinSkew", absl::Hours(2), std::nullopt, absl::Seconds(30), ""}),
    [](const ::testing::TestParamInfo<TimeCase>& info) { return info.param.name; });

// Payload edits that must be refused, with the expected reason.
struct ClaimCase {
  std::string name;
  std::function<void(Json&)> edit;
  std::string reason;
};

class JwtVerifierClaimTest : public JwtVerifierTest,
                             public ::testing::WithParamInterface<ClaimCase> {};

TEST_P(JwtVerifierClaimTest, Rejects) {
  Json payload = ClaimsJson();
  GetParam().edit(payload);
  ExpectRejected(SignPayload(payload), GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JwtVerifierClaimTest,
    ::testing::Values(
        ClaimCase{"WrongIssuer", [](Json& p) { p["iss"] = "https://evil.test"; },
                  "token issuer mismatch"},
        ClaimCase{"WrongAudience", [](Json& p) { p["aud"] = "billing"; },
                  "token audience mismatch"},
        ClaimCase{"AudienceArrayWithoutOurs",
                  [](Json& p) {
                    p["aud"] = {"a", "b"};
                  },
                  "token audience mismatch"},
        ClaimCase{"EmptyAudienceArray", [](Json& p) { p["aud"] = Json::array(); },
                  "token audience mismatch"},
        ClaimCase{"MissingIss", [](Json& p) { p.erase("iss"); }, "token missing claim iss"},
        ClaimCase{"MissingAud", [](Json& p) { p.erase("aud"); }, "token missing claim aud"},
        ClaimCase{"MissingSub", [](Json& p) { p.erase("sub"); }, "token missing claim sub"},
        ClaimCase{"MissingExp", [](Json& p) { p.erase("exp"); }, "token missing claim exp"},
        ClaimCase{"EmptySub", [](Json& p) { p["sub"] = ""; }, "token claim sub is empty"},
        ClaimCase{"IssNotString", [](Json& p) { p["iss"] = 1; }, "claim iss has the wrong type"},
        ClaimCase{"AudNumber", [](Json& p) { p["aud"] = 7; }, "claim aud has the wrong type"},
        ClaimCase{"AudArrayOfNumbers",
                  [](Json& p) {
                    p["aud"] = {kAudience, 7};
                  },
                  "claim aud has the wrong type"},
        ClaimCase{"SubNumber", [](Json& p) { p["sub"] = 42; }, "claim sub has the wrong type"},
        ClaimCase{"ExpString", [](Json& p) { p["exp"] = "2099-01-01"; },
                  "claim exp has the wrong type"},
        ClaimCase{"ExpBool", [](Json& p) { p["exp"] = true; }, "claim exp has the wrong type"},
        ClaimCase{"NbfString", [](Json& p) { p["nbf"] = "0"; }, "claim nbf has the wrong type"},
        ClaimCase{"IatNull", [](Json& p) { p["iat"] = nullptr; }, "claim iat has the wrong type"},
        ClaimCase{"ScopeNumber", [](Json& p) { p["scope"] = 3; }, "claim scope has the wrong type"},
        ClaimCase{"ScopeArray", [](Json& p) { p["scope"] = {"registry.read"}; },
                  "claim scope has the wrong type"},
        ClaimCase{"GroupsNotStrings",
                  [](Json& p) {
                    p["groups"] = {"dev", 1};
                  },
                  "claim groups has the wrong type"},
        ClaimCase{"GroupsString", [](Json& p) { p["groups"] = "dev"; },
                  "claim groups has the wrong type"}),
    [](const ::testing::TestParamInfo<ClaimCase>& info) { return info.param.name; });

TEST_F(JwtVerifierTest, HugeExpSaturatesInsteadOfOverflowing) {
  Json payload = ClaimsJson();
  payload["exp"] = 1e300;
  EXPECT_TRUE(verifier_.Verify(SignPayload(payload)).ok());
  payload["exp"] = 18446744073709551615u;
  EXPECT_TRUE(verifier_.Verify(SignPayload(payload)).ok());
  payload["exp"] = -1e300;
  ExpectRejected(SignPayload(payload), "token expired");
}

TEST_F(JwtVerifierTest, FlippedSignatureByteIsRejected) {
  std::string token = MintToken(key_, kKid, Claims());
  // Change a character in the middle of the signature (the last one may only carry padding bits).
  const size_t i = token.rfind('.') + 10;
  token[i] = token[i] == 'A' ? 'B' : 'A';
  ExpectRejected(token, "token signature invalid");
}

TEST_F(JwtVerifierTest, TamperedPayloadIsRejected) {
  const std::string token = MintToken(key_, kKid, Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  Json payload = ClaimsJson();
  payload["sub"] = "mallory";
  parts[1] = devtoken::Base64UrlEncode(payload.dump());
  ExpectRejected(absl::StrJoin(parts, "."), "token signature invalid");
}

TEST_F(JwtVerifierTest, OtherKeyWithSameKidIsRejected) {
  ExpectRejected(MintToken(DevKeyFromSeed({42}), kKid, Claims()), "token signature invalid");
}

TEST_F(JwtVerifierTest, UnknownKidIsRejected) {
  ExpectRejected(MintToken(key_, "k9", Claims()), "unknown key");
}

TEST_F(JwtVerifierTest, KidNotStringIsRejected) {
  ExpectRejected(Sign({{"alg", "EdDSA"}, {"kid", 1}}, ClaimsJson()), "kid is not a string");
}

TEST_F(JwtVerifierTest, AlgNoneWithEmptySignatureIsRejected) {
  const std::string token = devtoken::Base64UrlEncode(R"({"alg":"none","typ":"JWT","kid":"k1"})") +
                            "." + devtoken::Base64UrlEncode(ClaimsJson().dump()) + ".";
  ExpectRejected(token, "token unsupported alg");
}

TEST_F(JwtVerifierTest, OtherAlgsAreRejected) {
  for (const Json& alg : {Json("HS256"), Json("none"), Json("eddsa"), Json("RS384"), Json("PS256"),
                          Json("ES384"), Json("ES256K"), Json("rs256"), Json(1)}) {
    SCOPED_TRACE(alg.dump());
    ExpectRejected(Sign({{"alg", alg}, {"kid", kKid}}, ClaimsJson()), "token unsupported alg");
  }
  ExpectRejected(Sign({{"kid", kKid}}, ClaimsJson()), "token unsupported alg");
}

TEST_F(JwtVerifierTest, SupportedAlgWithEd25519KeyIsRejected) {
  for (const char* alg : {"RS256", "ES256"}) {
    SCOPED_TRACE(alg);
    ExpectRejected(Sign({{"alg", alg}, {"kid", kKid}}, ClaimsJson()),
                   "token alg does not match the key");
    ExpectRejected(Sign({{"alg", alg}}, ClaimsJson()), "token alg does not match the key");
  }
}

TEST_F(JwtVerifierTest, PrincipalExpiresAtExp) {
  absl::StatusOr<Principal> p = verifier_.Verify(MintToken(key_, kKid, Claims()));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->expires_at, Claims().issued_at + Claims().ttl);
}

TEST_F(JwtVerifierTest, ConfiguredSkewAppliesToExpNbfAndIat) {
  JwtVerifierOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  options.clock = [] { return kNow; };
  options.clock_skew = absl::Minutes(5);
  JwtVerifier wide(Jwks{{JwkKey{kKid, key_.public_key}}}, options);
  options.clock_skew = absl::ZeroDuration();
  JwtVerifier none(Jwks{{JwkKey{kKid, key_.public_key}}}, options);

  Json nbf = ClaimsJson();
  nbf["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(4));
  EXPECT_TRUE(wide.Verify(SignPayload(nbf)).ok());
  EXPECT_FALSE(verifier_.Verify(SignPayload(nbf)).ok());  // Default 60 s.
  nbf["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(6));
  EXPECT_FALSE(wide.Verify(SignPayload(nbf)).ok());
  nbf["nbf"] = absl::ToUnixSeconds(kNow + absl::Seconds(1));
  EXPECT_FALSE(none.Verify(SignPayload(nbf)).ok());
  nbf["nbf"] = absl::ToUnixSeconds(kNow);
  EXPECT_TRUE(none.Verify(SignPayload(nbf)).ok());

  Json iat = ClaimsJson();
  iat["iat"] = absl::ToUnixSeconds(kNow + absl::Minutes(4));
  EXPECT_TRUE(wide.Verify(SignPayload(iat)).ok());
  EXPECT_FALSE(verifier_.Verify(SignPayload(iat)).ok());
  iat["iat"] = absl::ToUnixSeconds(kNow + absl::Minutes(6));
  EXPECT_FALSE(wide.Verify(SignPayload(iat)).ok());
  iat["iat"] = absl::ToUnixSeconds(kNow + absl::Seconds(1));
  EXPECT_FALSE(none.Verify(SignPayload(iat)).ok());

  Json exp = ClaimsJson();
  exp["exp"] = absl::ToUnixSeconds(kNow - absl::Minutes(4));
  EXPECT_TRUE(wide.Verify(SignPayload(exp)).ok());
  EXPECT_FALSE(verifier_.Verify(SignPayload(exp)).ok());
  exp["exp"] = absl::ToUnixSeconds(kNow);
  EXPECT_FALSE(none.Verify(SignPayload(exp)).ok());
}

TEST_F(JwtVerifierTest, CritHeaderIsRejected) {
  ExpectRejected(
      Sign({{"alg", "EdDSA"}, {"kid", kKid}, {"crit", {"exp"}}, {"exp", 1}}, ClaimsJson()),
      "critical header");
}

TEST_F(JwtVerifierTest, ShortSignatureIsRejected) {
  const std::string token = MintToken(key_, kKid, Claims());
  ExpectRejected(token.substr(0, token.rfind('.') + 1) + devtoken::Base64UrlEncode("short"),
                 "token signature invalid");
}

struct MalformedCase {
  std::string name;
  std::function<std::string(const std::string& valid)> make;
  std::string reason;
};

class JwtVerifierMalformedTest : public JwtVerifierTest,
                                 public ::testing::WithParamInterface<MalformedCase> {};

TEST_P(JwtVerifierMalformedTest, Rejects) {
  ExpectRejected(GetParam().make(MintToken(key_, kKid, Claims())), GetParam().reason);
}

std::string Part(const std::string& token, int i) {
  return std::vector<std::string>(absl::StrSplit(token, '.'))[i];
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JwtVerifierMalformedTest,
    ::testing::Values(
        MalformedCase{"Empty", [](const std::string&) { return std::string(); }, "token missing"},
        MalformedCase{"TwoParts",
                      [](const std::string& t) { return Part(t, 0) + "." + Part(t, 1); },
                      "three dot-separated parts"},
        MalformedCase{"FourParts", [](const std::string& t) { return t + "." + Part(t, 2); },
                      "three dot-separated parts"},
        MalformedCase{"BadBase64Header", [](const std::string& t) { return "#" + t; },
                      "not unpadded base64url"},
        MalformedCase{
            "BadBase64Payload",
            [](const std::string& t) { return Part(t, 0) + ".*" + Part(t, 1) + "." + Part(t, 2); },
            "not unpadded base64url"},
        MalformedCase{"PaddedSignature", [](const std::string& t) { return t + "=="; },
                      "not unpadded base64url"},
        MalformedCase{"BearerPrefix", [](const std::string& t) { return "Bearer " + t; },
                      "not unpadded base64url"},
        MalformedCase{"HeaderNotJson",
                      [](const std::string& t) {
                        return devtoken::Base64UrlEncode("{alg:EdDSA") + "." + Part(t, 1) + "." +
                               Part(t, 2);
                      },
                      "header is not a JSON object"},
        MalformedCase{"HeaderArray",
                      [](const std::string& t) {
                        return devtoken::Base64UrlEncode("[\"EdDSA\"]") + "." + Part(t, 1) + "." +
                               Part(t, 2);
                      },
                      "header is not a JSON object"},
        MalformedCase{"Oversized",
                      [](const std::string& t) {
                        return Part(t, 0) + "." + std::string(9000, 'A') + "." + Part(t, 2);
                      },
                      "token too large"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST_F(JwtVerifierTest, DeeplyNestedHeaderIsRejectedWithoutCrashing) {
  const std::string header = std::string(2000, '[') + std::string(2000, ']');
  ExpectRejected(SignJws(key_, header, ClaimsJson().dump()), "header is not a JSON object");
}

TEST_F(JwtVerifierTest, EmbeddedJwkHeaderIsNotTrusted) {
  // An attacker's own key, offered in the header (RFC 7515 "jwk"), must never be used.
  const DevKey attacker = DevKeyFromSeed({66});
  const Json jwk = Json::parse(devtoken::JwksForDevKey(attacker, "evil"))["keys"][0];
  ExpectRejected(SignJws(attacker, Json{{"alg", "EdDSA"}, {"kid", "evil"}, {"jwk", jwk}}.dump(),
                         ClaimsJson().dump()),
                 "unknown key");
  ExpectRejected(SignJws(attacker, Json{{"alg", "EdDSA"}, {"kid", kKid}, {"jwk", jwk}}.dump(),
                         ClaimsJson().dump()),
                 "token signature invalid");
}

TEST_F(JwtVerifierTest, ConcurrentVerifyIsSafe) {
  const std::string good = MintToken(key_, kKid, Claims());
  const std::string bad = MintToken(DevKeyFromSeed({42}), kKid, Claims());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!verifier_.Verify(good).ok() || verifier_.Verify(bad).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(JwtVerifierTest, PayloadArrayIsRejected) {
  ExpectRejected(SignJws(key_, devtoken::HeaderJson(kKid), R"(["alice"])"),
                 "payload is not a JSON object");
}

TEST_F(JwtVerifierTest, PayloadNotJsonIsRejected) {
  ExpectRejected(SignJws(key_, devtoken::HeaderJson(kKid), "sub=alice"),
                 "payload is not a JSON object");
}

TEST_F(JwtVerifierTest, TokenAtSizeLimitIsStillVerified) {
  Json payload = ClaimsJson();
  payload["pad"] = "";
  std::string token = SignPayload(payload);
  payload["pad"] = std::string((8 * 1024 - token.size() - 4) * 3 / 4, 'x');
  token = SignPayload(payload);
  ASSERT_LE(token.size(), 8u * 1024);
  ASSERT_GT(token.size(), 8u * 1024 - 8);
  EXPECT_TRUE(verifier_.Verify(token).ok());
}

TEST_F(JwtVerifierTest, ErrorsDoNotEchoClaimValues) {
  Json payload = ClaimsJson();
  payload["iss"] = "secret-issuer-value-123";
  payload["sub"] = "secret-subject-456";
  absl::StatusOr<Principal> p = verifier_.Verify(SignPayload(payload));
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()),
              ::testing::Not(HasSubstr("secret-issuer-value-123")));
  EXPECT_THAT(std::string(p.status().message()), ::testing::Not(HasSubstr("secret-subject")));
}

}  // namespace
}  // namespace registry::auth
