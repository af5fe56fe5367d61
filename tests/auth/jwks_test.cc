// Tests for ParseJwks and LoadJwksFile: accepted shapes and each refusal with its message.
#include "server/auth/jwks.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "client/devtoken/dev_key.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry::auth {
namespace {

using ::testing::HasSubstr;

// base64url of 32 bytes 0x00..0x1f.
constexpr char kX[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

std::string Key(const std::string& kid, const std::string& extra = "") {
  return R"({"kty":"OKP","crv":"Ed25519","kid":")" + kid + R"(","x":")" + kX + "\"" + extra + "}";
}

TEST(JwksTest, ParsesEd25519Keys) {
  absl::StatusOr<Jwks> jwks =
      ParseJwks(R"({"keys":[)" + Key("a", R"(,"alg":"EdDSA","use":"sig")") + "," + Key("b") + "]}");
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  ASSERT_EQ(jwks->keys.size(), 2u);
  EXPECT_EQ(jwks->keys[0].kid, "a");
  for (int i = 0; i < 32; ++i) EXPECT_EQ(jwks->keys[0].ed25519_public_key[i], i);
  ASSERT_NE(jwks->Find("b"), nullptr);
  EXPECT_EQ(jwks->Find("b")->kid, "b");
  EXPECT_EQ(jwks->Find("c"), nullptr);
}

TEST(JwksTest, AcceptsKeyWithoutKid) {
  absl::StatusOr<Jwks> jwks =
      ParseJwks(std::string(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")") + kX + "\"}]}");
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  EXPECT_EQ(jwks->keys[0].kid, "");
}

TEST(JwksTest, AcceptsDevtokenJwks) {
  const devtoken::DevKey key = devtoken::DevKeyFromSeed({7});
  absl::StatusOr<Jwks> jwks = ParseJwks(devtoken::JwksForDevKey(key, "dev"));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  ASSERT_NE(jwks->Find("dev"), nullptr);
  EXPECT_EQ(jwks->Find("dev")->ed25519_public_key, key.public_key);
}

struct BadCase {
  std::string name;
  std::string json;
  std::string message;
};

class JwksRejectTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(JwksRejectTest, RefusesWithClearMessage) {
  absl::StatusOr<Jwks> jwks = ParseJwks(GetParam().json);
  ASSERT_FALSE(jwks.ok());
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(jwks.status().message()), HasSubstr(GetParam().message));
  EXPECT_THAT(std::string(jwks.status().message()), ::testing::Not(HasSubstr("\n")));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JwksRejectTest,
    ::testing::Values(
        BadCase{"NotJson", "{keys:", "JWKS: not valid JSON"},
        BadCase{"Empty", "", "not valid JSON"}, BadCase{"NotObject", "[]", "not a JSON object"},
        BadCase{"NoKeys", "{}", "\"keys\" is missing or not an array"},
        BadCase{"KeysNotArray", R"({"keys":{}})", "\"keys\" is missing or not an array"},
        BadCase{"EmptyKeys", R"({"keys":[]})", "\"keys\" is empty"},
        BadCase{"KeyNotObject", R"({"keys":["x"]})", "key 0 is not an object"},
        BadCase{"NoKty", R"({"keys":[{"crv":"Ed25519"}]})", "key 0: \"kty\" is missing"},
        BadCase{"Rsa", R"({"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]})",
                "key 0: unsupported key type (kty \"RSA\""},
        BadCase{"Ec", R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})",
                "unsupported key type (kty \"EC\", crv \"P-256\")"},
        BadCase{"X25519", R"({"keys":[{"kty":"OKP","crv":"X25519","x":"AA"}]})", "crv \"X25519\""},
        BadCase{"UnsupportedAfterGoodKey", R"({"keys":[)" + Key("a") + R"(,{"kty":"RSA"}]})",
                "key 1: unsupported key type"},
        BadCase{"WrongAlg", R"({"keys":[)" + Key("a", R"(,"alg":"RS256")") + "]}",
                "key 0: \"alg\" must be \"EdDSA\""},
        BadCase{"WrongUse", R"({"keys":[)" + Key("a", R"(,"use":"enc")") + "]}",
                "\"use\" must be \"sig\""},
        BadCase{"PrivateKey", R"({"keys":[)" + Key("a", R"(,"d":"AAAA")") + "]}",
                "private key material"},
        BadCase{"KidNotString", R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":1,"x":"AA"}]})",
                "\"kid\" is not a string"},
        BadCase{"NoX", R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a"}]})", "\"x\" is missing"},
        BadCase{"XNotBase64", R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"!!!!"}]})",
                "\"x\" is not unpadded base64url"},
        BadCase{"XPadded",
                std::string(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")") + kX + "=\"}]}",
                "\"x\" is not unpadded base64url"},
        BadCase{"XShort", R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAEC"}]})",
                "\"x\" decodes to 3 bytes; Ed25519 needs 32"},
        BadCase{"DuplicateKid", R"({"keys":[)" + Key("a") + "," + Key("a") + "]}",
                "key 1: duplicate kid \"a\""}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

class JwksFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::path(::testing::TempDir()) / ("jwks_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& contents) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << contents;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(JwksFileTest, LoadsFile) {
  absl::StatusOr<Jwks> jwks = LoadJwksFile(Write("ok.json", R"({"keys":[)" + Key("a") + "]}"));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  EXPECT_NE(jwks->Find("a"), nullptr);
}

TEST_F(JwksFileTest, MissingFileIsFailedPrecondition) {
  const std::string path = (dir_ / "absent.json").string();
  absl::StatusOr<Jwks> jwks = LoadJwksFile(path);
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(jwks.status().message()), HasSubstr(path));
}

TEST_F(JwksFileTest, DirectoryIsFailedPrecondition) {
  absl::StatusOr<Jwks> jwks = LoadJwksFile(dir_.string());
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(JwksFileTest, BadContentNamesFile) {
  const std::string path = Write("bad.json", "not json");
  absl::StatusOr<Jwks> jwks = LoadJwksFile(path);
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(jwks.status().message()),
              HasSubstr("JWKS file " + path + ": not valid JSON"));
}

TEST_F(JwksFileTest, OversizedFileIsRefused) {
  absl::StatusOr<Jwks> jwks = LoadJwksFile(Write("big.json", std::string((1 << 20) + 1, ' ')));
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(jwks.status().message()), HasSubstr("larger than"));
}

}  // namespace
}  // namespace registry::auth
