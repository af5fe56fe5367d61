// Tests for registry_devtoken: key file round trip, key generation, and that minted tokens and the
// published JWKS are what registry_auth accepts.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "client/devtoken/asymmetric_key.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/auth/jwks.h"
#include "server/auth/jwt_verifier.h"

namespace registry::devtoken {
namespace {

using ::testing::HasSubstr;

TEST(DevKeyTest, FromSeedIsDeterministic) {
  EXPECT_EQ(DevKeyFromSeed({1}).public_key, DevKeyFromSeed({1}).public_key);
  EXPECT_NE(DevKeyFromSeed({1}).public_key, DevKeyFromSeed({2}).public_key);
}

TEST(DevKeyTest, GeneratedKeysDiffer) {
  const DevKey a = GenerateDevKey();
  const DevKey b = GenerateDevKey();
  EXPECT_NE(a.seed, b.seed);
  EXPECT_EQ(DevKeyFromSeed(a.seed).public_key, a.public_key);
}

TEST(DevKeyTest, KeyFileRoundTrips) {
  const DevKey key = GenerateDevKey();
  const std::string text = FormatDevKeyFile(key);
  EXPECT_EQ(text.size(), 45u);  // 44 base64 characters and a newline.
  EXPECT_EQ(text.back(), '\n');
  absl::StatusOr<DevKey> parsed = ParseDevKeyFile(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->seed, key.seed);
  EXPECT_EQ(parsed->public_key, key.public_key);
  EXPECT_TRUE(ParseDevKeyFile("  " + text + "\n\n").ok());
}

TEST(DevKeyTest, BadKeyFilesAreRefusedWithoutEchoingContents) {
  const std::string full = FormatDevKeyFile(DevKeyFromSeed({5}));
  for (const std::string& bad : {std::string(), std::string("not base64!"), full.substr(0, 20),
                                 full + full, std::string("AAEC"), full.substr(0, 43)}) {
    absl::StatusOr<DevKey> parsed = ParseDevKeyFile(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    if (bad.size() > 4) {
      EXPECT_THAT(std::string(parsed.status().message()), ::testing::Not(HasSubstr(bad)));
    }
  }
}

class DevKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("devtoken_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(DevKeyFileTest, WriteThenLoad) {
  const std::string path = (dir_ / "dev.key").string();
  const DevKey key = GenerateDevKey();
  ASSERT_TRUE(WriteDevKeyFile(path, key).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  absl::StatusOr<DevKey> loaded = LoadDevKeyFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->seed, key.seed);

  const absl::Status again = WriteDevKeyFile(path, GenerateDevKey());
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(LoadDevKeyFile(path)->seed, key.seed);  // Not overwritten.
}

TEST_F(DevKeyFileTest, LoadErrorsNameTheFile) {
  const std::string missing = (dir_ / "absent.key").string();
  EXPECT_EQ(LoadDevKeyFile(missing).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(LoadDevKeyFile(missing).status().message()), HasSubstr(missing));

  const std::string garbage = (dir_ / "garbage.key").string();
  std::ofstream(garbage) << "garbage\n";
  EXPECT_EQ(LoadDevKeyFile(garbage).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(LoadDevKeyFile(garbage).status().message()), HasSubstr(garbage));
}

TEST(MintTest, MintedTokenVerifiesAgainstPublishedJwks) {
  const DevKey key = GenerateDevKey();
  absl::StatusOr<auth::Jwks> jwks = auth::ParseJwks(JwksForDevKey(key, "dev-1"));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  auth::JwtVerifier verifier(
      *std::move(jwks),
      {.issuer = "https://dev.local", .audience = "registry", .clock = [now] { return now; }});
  TokenClaims claims{.issuer = "https://dev.local",
                     .audience = "registry",
                     .subject = "bob",
                     .scopes = {"registry.admin"},
                     .groups = {"operators"},
                     .issued_at = now,
                     .not_before = now};
  absl::StatusOr<auth::Principal> p = verifier.Verify(MintToken(key, "dev-1", claims));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "bob");
  EXPECT_TRUE(p->HasScope(auth::kScopeAdmin));
  EXPECT_TRUE(p->InGroup("operators"));
}

TEST(MintTest, PayloadJsonOmitsEmptyOptionalClaims) {
  TokenClaims claims{.issuer = "i",
                     .audience = "a",
                     .subject = "s",
                     .issued_at = absl::FromUnixSeconds(100),
                     .ttl = absl::Seconds(50)};
  EXPECT_EQ(PayloadJson(claims), R"({"aud":"a","exp":150,"iat":100,"iss":"i","sub":"s"})");
  EXPECT_EQ(HeaderJson("k"), R"({"alg":"EdDSA","kid":"k","typ":"JWT"})");
}

TEST(MintTest, Base64UrlHasNoPadding) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode(""), "");
}

TEST(MintTest, JwksOfCombinesKeysInOrder) {
  const DevKey a = DevKeyFromSeed({1});
  const DevKey b = DevKeyFromSeed({2});
  const nlohmann::json jwks =
      nlohmann::json::parse(JwksOf({JwkForDevKey(a, "a"), JwkForDevKey(b, "b")}));
  ASSERT_EQ(jwks["keys"].size(), 2u);
  EXPECT_EQ(jwks["keys"][0]["kid"], "a");
  EXPECT_EQ(jwks["keys"][1]["kid"], "b");
  EXPECT_EQ(JwksForDevKey(a, "a"), JwksOf({JwkForDevKey(a, "a")}));
  // Not JSON: kept as a string, which the server refuses.
  EXPECT_FALSE(auth::ParseJwks(JwksOf({"{oops"})).ok());
}

TEST(AsymmetricDevKeyTest, RsaJwkShape) {
  const AsymmetricDevKey key = AsymmetricDevKey::GenerateRsa();
  EXPECT_EQ(key.alg(), "RS256");
  const nlohmann::json jwk = nlohmann::json::parse(key.PublicJwkJson("r1"));
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["kid"], "r1");
  EXPECT_EQ(jwk["alg"], "RS256");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["e"], "AQAB");                          // 65537
  EXPECT_EQ(jwk["n"].get<std::string>().size(), 342u);  // 256 bytes, unpadded.
  EXPECT_FALSE(jwk.contains("d"));
  EXPECT_EQ(key.Sign("input").size(), 256u);
}

TEST(AsymmetricDevKeyTest, EcJwkShapeAndRawSignature) {
  const AsymmetricDevKey key = AsymmetricDevKey::GenerateEcP256();
  EXPECT_EQ(key.alg(), "ES256");
  const nlohmann::json jwk = nlohmann::json::parse(key.PublicJwkJson("e1"));
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["alg"], "ES256");
  EXPECT_EQ(jwk["x"].get<std::string>().size(), 43u);  // 32 bytes, unpadded.
  EXPECT_EQ(jwk["y"].get<std::string>().size(), 43u);
  EXPECT_FALSE(jwk.contains("d"));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(key.Sign("input " + std::to_string(i)).size(), 64u);
  EXPECT_EQ(HeaderJson("e1", key.alg()), R"({"alg":"ES256","kid":"e1","typ":"JWT"})");
}

TEST(AsymmetricDevKeyTest, PemRoundTrips) {
  for (const AsymmetricDevKey& key :
       {AsymmetricDevKey::GenerateRsa(), AsymmetricDevKey::GenerateEcP256()}) {
    const std::string pem = key.PrivateKeyPem();
    EXPECT_THAT(pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
    absl::StatusOr<AsymmetricDevKey> parsed = AsymmetricDevKey::FromPrivateKeyPem(pem);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->alg(), key.alg());
    EXPECT_EQ(parsed->PublicJwkJson("k"), key.PublicJwkJson("k"));
  }
  absl::StatusOr<AsymmetricDevKey> bad = AsymmetricDevKey::FromPrivateKeyPem("not a pem");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), ::testing::Not(HasSubstr("not a pem")));
}

TEST(AsymmetricDevKeyTest, MintedTokensVerifyAgainstPublishedJwks) {
  const AsymmetricDevKey rsa = AsymmetricDevKey::GenerateRsa();
  const AsymmetricDevKey ec = AsymmetricDevKey::GenerateEcP256();
  absl::StatusOr<auth::Jwks> jwks =
      auth::ParseJwks(JwksOf({rsa.PublicJwkJson("rsa"), ec.PublicJwkJson("ec")}));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  auth::JwtVerifier verifier(
      *std::move(jwks),
      {.issuer = "https://dev.local", .audience = "registry", .clock = [now] { return now; }});
  TokenClaims claims{
      .issuer = "https://dev.local", .audience = "registry", .subject = "bob", .issued_at = now};
  EXPECT_TRUE(verifier.Verify(MintRs256Token(rsa, "rsa", claims)).ok());
  EXPECT_TRUE(verifier.Verify(MintEs256Token(ec, "ec", claims)).ok());
  EXPECT_TRUE(verifier.Verify(MintToken(ec, "ec", claims)).ok());
}

}  // namespace
}  // namespace registry::devtoken
