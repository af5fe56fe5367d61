// Tests for JwtVerifier with RS256 and ES256 tokens (minted with registry_devtoken's OpenSSL keys)
// next to EdDSA ones: valid tokens, tampering, every alg/key-kind mismatch, ES256 signature shape,
// and nbf/iat with the clock skew. Every refusal must be UNAUTHENTICATED and not echo the token.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/devtoken/asymmetric_key.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/auth/jwks.h"
#include "server/auth/jwt_verifier.h"

namespace registry::auth {
namespace {

using ::registry::devtoken::AsymmetricDevKey;
using ::registry::devtoken::Base64UrlEncode;
using ::registry::devtoken::DevKey;
using ::registry::devtoken::DevKeyFromSeed;
using ::registry::devtoken::TokenClaims;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Json = nlohmann::json;

constexpr char kIssuer[] = "https://id.example.test";
constexpr char kAudience[] = "registry";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Generated once per process: RSA key generation takes a while.
const AsymmetricDevKey& RsaKey() {
  static const AsymmetricDevKey* const key = new AsymmetricDevKey(AsymmetricDevKey::GenerateRsa());
  return *key;
}
const AsymmetricDevKey& OtherRsaKey() {
  static const AsymmetricDevKey* const key = new AsymmetricDevKey(AsymmetricDevKey::GenerateRsa());
  return *key;
}
const AsymmetricDevKey& EcKey() {
  static const AsymmetricDevKey* const key =
      new AsymmetricDevKey(AsymmetricDevKey::GenerateEcP256());
  return *key;
}
const AsymmetricDevKey& OtherEcKey() {
  static const AsymmetricDevKey* const key =
      new AsymmetricDevKey(AsymmetricDevKey::GenerateEcP256());
  return *key;
}

std::vector<std::string> Parts(const std::string& token) { return absl::StrSplit(token, '.'); }

std::string WithSignature(const std::string& token, const std::string& signature) {
  return token.substr(0, token.rfind('.') + 1) + Base64UrlEncode(signature);
}

// A DER INTEGER for the unsigned big-endian `bytes`.
std::string DerInteger(std::string bytes) {
  while (bytes.size() > 1 && bytes[0] == '\0') bytes.erase(0, 1);
  if (static_cast<unsigned char>(bytes[0]) & 0x80) bytes.insert(0, 1, '\0');
  return std::string{'\x02', static_cast<char>(bytes.size())} + bytes;
}

class JwtAsymmetricTest : public ::testing::Test {
 protected:
  JwtAsymmetricTest() : ed_(DevKeyFromSeed({1, 2, 3})), verifier_(MakeVerifier(Options())) {}

  static JwtVerifierOptions Options() {
    JwtVerifierOptions options;
    options.issuer = kIssuer;
    options.audience = kAudience;
    options.clock = [] { return kNow; };
    return options;
  }

  // Trusts kid "ed" (Ed25519), "rsa" (RS256) and "ec" (ES256).
  JwtVerifier MakeVerifier(JwtVerifierOptions options) const {
    absl::StatusOr<Jwks> jwks =
        ParseJwks(devtoken::JwksOf({devtoken::JwkForDevKey(ed_, "ed"),
                                    RsaKey().PublicJwkJson("rsa"), EcKey().PublicJwkJson("ec")}));
    EXPECT_TRUE(jwks.ok()) << jwks.status();
    return JwtVerifier(*std::move(jwks), std::move(options));
  }

  static TokenClaims Claims() {
    TokenClaims claims;
    claims.issuer = kIssuer;
    claims.audience = kAudience;
    claims.subject = "alice";
    claims.scopes = {"registry.read", "credentials.resolve"};
    claims.groups = {"team"};
    claims.issued_at = kNow - absl::Minutes(5);
    claims.ttl = absl::Hours(1);
    return claims;
  }

  static std::string Header(const std::string& alg, const std::string& kid) {
    return Json{{"alg", alg}, {"typ", "JWT"}, {"kid", kid}}.dump();
  }

  void ExpectRejected(const std::string& token, const std::string& reason) const {
    absl::StatusOr<Principal> p = verifier_.Verify(token);
    ASSERT_FALSE(p.ok()) << "accepted: " << reason;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << p.status();
    const std::string message(p.status().message());
    EXPECT_THAT(message, HasSubstr(reason));
    for (const std::string& part : Parts(token)) {
      if (part.size() >= 8) {
        EXPECT_THAT(message, ::testing::Not(HasSubstr(part)));
      }
    }
  }

  DevKey ed_;
  JwtVerifier verifier_;
};

TEST_F(JwtAsymmetricTest, Rs256TokenIsAccepted) {
  absl::StatusOr<Principal> p =
      verifier_.Verify(devtoken::MintRs256Token(RsaKey(), "rsa", Claims()));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "alice");
  EXPECT_THAT(p->scopes, UnorderedElementsAre("registry.read", "credentials.resolve"));
  EXPECT_THAT(p->groups, ::testing::ElementsAre("team"));
  EXPECT_EQ(p->expires_at, Claims().issued_at + Claims().ttl);
}

TEST_F(JwtAsymmetricTest, Es256TokenIsAccepted) {
  const std::string token = devtoken::MintEs256Token(EcKey(), "ec", Claims());
  EXPECT_EQ(Parts(token)[2].size(), 86u);  // 64 bytes, unpadded base64url.
  absl::StatusOr<Principal> p = verifier_.Verify(token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "alice");
  EXPECT_EQ(p->expires_at, Claims().issued_at + Claims().ttl);
}

TEST_F(JwtAsymmetricTest, EdDsaStillAcceptedNextToThem) {
  EXPECT_TRUE(verifier_.Verify(devtoken::MintToken(ed_, "ed", Claims())).ok());
}

TEST_F(JwtAsymmetricTest, GenericMintUsesTheKeysAlg) {
  EXPECT_TRUE(verifier_.Verify(devtoken::MintToken(RsaKey(), "rsa", Claims())).ok());
  EXPECT_TRUE(verifier_.Verify(devtoken::MintToken(EcKey(), "ec", Claims())).ok());
}

TEST_F(JwtAsymmetricTest, TokenWithoutKidUsesTheOnlyKey) {
  for (const AsymmetricDevKey* key : {&RsaKey(), &EcKey()}) {
    absl::StatusOr<Jwks> jwks = ParseJwks(devtoken::JwksForDevKey(*key, "only"));
    ASSERT_TRUE(jwks.ok()) << jwks.status();
    JwtVerifier single(*std::move(jwks), Options());
    const std::string header = Json{{"alg", std::string(key->alg())}}.dump();
    EXPECT_TRUE(
        single.Verify(devtoken::SignJws(*key, header, devtoken::PayloadJson(Claims()))).ok());
  }
}

TEST_F(JwtAsymmetricTest, TamperedSignatureIsRejected) {
  for (const auto& [key, kid] : {std::pair{&RsaKey(), "rsa"}, std::pair{&EcKey(), "ec"}}) {
    SCOPED_TRACE(kid);
    std::string token = devtoken::MintToken(*key, kid, Claims());
    const size_t i = token.rfind('.') + 10;
    token[i] = token[i] == 'A' ? 'B' : 'A';
    ExpectRejected(token, "token signature invalid");
  }
}

TEST_F(JwtAsymmetricTest, TamperedPayloadIsRejected) {
  for (const auto& [key, kid] : {std::pair{&RsaKey(), "rsa"}, std::pair{&EcKey(), "ec"}}) {
    SCOPED_TRACE(kid);
    std::vector<std::string> parts = Parts(devtoken::MintToken(*key, kid, Claims()));
    Json payload = Json::parse(devtoken::PayloadJson(Claims()));
    payload["scope"] = "registry.admin";
    parts[1] = Base64UrlEncode(payload.dump());
    ExpectRejected(absl::StrJoin(parts, "."), "token signature invalid");
  }
}

TEST_F(JwtAsymmetricTest, SignatureByAnotherKeyOfTheSameKindIsRejected) {
  ExpectRejected(devtoken::MintToken(OtherRsaKey(), "rsa", Claims()), "token signature invalid");
  ExpectRejected(devtoken::MintToken(OtherEcKey(), "ec", Claims()), "token signature invalid");
}

TEST_F(JwtAsymmetricTest, TruncatedRsaSignatureIsRejected) {
  const std::string token = devtoken::MintToken(RsaKey(), "rsa", Claims());
  const std::string signature = RsaKey().Sign(token.substr(0, token.rfind('.')));
  ExpectRejected(WithSignature(token, signature.substr(0, 255)), "token signature invalid");
  ExpectRejected(WithSignature(token, signature + '\0'), "token signature invalid");
  ExpectRejected(WithSignature(token, ""), "token signature invalid");
}

// The header's alg must be exactly the alg of the kid's key kind, whoever signed the token.
TEST_F(JwtAsymmetricTest, AlgKeyKindMismatchIsRejected) {
  const std::string payload = devtoken::PayloadJson(Claims());
  const struct {
    const char* name;
    std::string token;
  } cases[] = {
      {"RS256 header, EC kid", devtoken::SignJws(RsaKey(), Header("RS256", "ec"), payload)},
      {"RS256 header, EC kid, EC-signed",
       devtoken::SignJws(EcKey(), Header("RS256", "ec"), payload)},
      {"ES256 header, RSA kid", devtoken::SignJws(EcKey(), Header("ES256", "rsa"), payload)},
      {"ES256 header, RSA kid, RSA-signed",
       devtoken::SignJws(RsaKey(), Header("ES256", "rsa"), payload)},
      {"EdDSA header, RSA kid", devtoken::SignJws(ed_, Header("EdDSA", "rsa"), payload)},
      {"EdDSA header, EC kid", devtoken::SignJws(ed_, Header("EdDSA", "ec"), payload)},
      {"RS256 header, Ed25519 kid", devtoken::SignJws(RsaKey(), Header("RS256", "ed"), payload)},
      {"ES256 header, Ed25519 kid", devtoken::SignJws(EcKey(), Header("ES256", "ed"), payload)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectRejected(c.token, "token alg does not match the key");
  }
}

TEST_F(JwtAsymmetricTest, OtherAlgsAreRejectedForRsaAndEcKeys) {
  const std::string payload = devtoken::PayloadJson(Claims());
  for (const char* kid : {"rsa", "ec"}) {
    for (const char* alg :
         {"none", "HS256", "RS384", "RS512", "PS256", "ES384", "ES512", "rs256", "es256"}) {
      SCOPED_TRACE(std::string(kid) + " " + alg);
      ExpectRejected(devtoken::SignJws(RsaKey(), Header(alg, kid), payload),
                     "token unsupported alg");
    }
  }
  // The classic confusion: HS256 "signed" with the RSA public key as the HMAC secret.
  const std::string unsigned_token =
      Base64UrlEncode(Header("HS256", "rsa")) + "." + Base64UrlEncode(payload);
  ExpectRejected(unsigned_token + "." + Base64UrlEncode(std::string(32, 'x')),
                 "token unsupported alg");
  ExpectRejected(unsigned_token + ".", "token unsupported alg");
}

TEST_F(JwtAsymmetricTest, Es256SignatureMustBe64RawBytes) {
  const std::string token = devtoken::MintToken(EcKey(), "ec", Claims());
  const std::string raw = EcKey().Sign(token.substr(0, token.rfind('.')));
  ASSERT_EQ(raw.size(), 64u);
  ASSERT_TRUE(verifier_.Verify(WithSignature(token, raw)).ok());

  // The same signature DER-encoded (what OpenSSL emits) is not the JWS form.
  const std::string body = DerInteger(raw.substr(0, 32)) + DerInteger(raw.substr(32));
  const std::string der = std::string{'\x30', static_cast<char>(body.size())} + body;
  ExpectRejected(WithSignature(token, der), "token signature invalid");
  ExpectRejected(WithSignature(token, raw.substr(0, 63)), "token signature invalid");
  ExpectRejected(WithSignature(token, raw + '\0'), "token signature invalid");
  ExpectRejected(WithSignature(token, '\0' + raw), "token signature invalid");
  ExpectRejected(WithSignature(token, ""), "token signature invalid");
  ExpectRejected(WithSignature(token, std::string(64, '\0')), "token signature invalid");
  ExpectRejected(WithSignature(token, std::string(64, '\xff')), "token signature invalid");
  // R and S swapped.
  ExpectRejected(WithSignature(token, raw.substr(32) + raw.substr(0, 32)),
                 "token signature invalid");
}

TEST_F(JwtAsymmetricTest, NbfAndIatHonourTheSkew) {
  for (const auto& [key, kid] : {std::pair{&RsaKey(), "rsa"}, std::pair{&EcKey(), "ec"}}) {
    SCOPED_TRACE(kid);
    TokenClaims claims = Claims();
    claims.not_before = kNow + absl::Seconds(30);  // Default skew is 60 s.
    EXPECT_TRUE(verifier_.Verify(devtoken::MintToken(*key, kid, claims)).ok());
    claims.not_before = kNow + absl::Seconds(90);
    ExpectRejected(devtoken::MintToken(*key, kid, claims), "token not yet valid");

    claims = Claims();
    claims.issued_at = kNow + absl::Seconds(30);
    EXPECT_TRUE(verifier_.Verify(devtoken::MintToken(*key, kid, claims)).ok());
    claims.issued_at = kNow + absl::Seconds(90);
    ExpectRejected(devtoken::MintToken(*key, kid, claims), "token issued in the future");

    claims = Claims();
    claims.issued_at = kNow - absl::Hours(2);  // exp an hour ago.
    ExpectRejected(devtoken::MintToken(*key, kid, claims), "token expired");
  }
}

TEST_F(JwtAsymmetricTest, LargerSkewWidensTheWindow) {
  JwtVerifierOptions options = Options();
  options.clock_skew = absl::Minutes(3);
  JwtVerifier wide = MakeVerifier(options);
  TokenClaims claims = Claims();
  claims.not_before = kNow + absl::Seconds(150);
  const std::string nbf_token = devtoken::MintToken(RsaKey(), "rsa", claims);
  EXPECT_TRUE(wide.Verify(nbf_token).ok());
  EXPECT_FALSE(verifier_.Verify(nbf_token).ok());
  claims = Claims();
  claims.issued_at = kNow + absl::Seconds(150);
  const std::string iat_token = devtoken::MintToken(EcKey(), "ec", claims);
  EXPECT_TRUE(wide.Verify(iat_token).ok());
  EXPECT_FALSE(verifier_.Verify(iat_token).ok());
}

TEST_F(JwtAsymmetricTest, ConcurrentVerifyIsSafe) {
  const std::string tokens[] = {devtoken::MintToken(RsaKey(), "rsa", Claims()),
                                devtoken::MintToken(EcKey(), "ec", Claims()),
                                devtoken::MintToken(ed_, "ed", Claims())};
  const std::string bad = devtoken::MintToken(OtherEcKey(), "ec", Claims());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 30; ++i) {
        for (const std::string& token : tokens) {
          if (!verifier_.Verify(token).ok()) ++failures;
        }
        if (verifier_.Verify(bad).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(JwtVerifierCreateAsymmetricTest, RefusesKeysWithoutOpenSslKey) {
  JwtVerifierOptions options{.issuer = kIssuer, .audience = kAudience};
  EXPECT_EQ(JwtVerifier::Create(Jwks{{JwkKey("r", RsaPublicKey{})}}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(JwtVerifier::Create(Jwks{{JwkKey("e", EcP256PublicKey{})}}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace registry::auth
