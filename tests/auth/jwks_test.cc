// Tests for ParseJwks and LoadJwksFile: accepted shapes and each refusal with its message.
#include "server/auth/jwks.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "client/devtoken/asymmetric_key.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace registry::auth {
namespace {

using ::registry::devtoken::AsymmetricDevKey;
using ::registry::devtoken::Base64UrlEncode;
using ::testing::HasSubstr;
using Json = nlohmann::json;

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
  ASSERT_NE(jwks->keys[0].ed25519_public_key(), nullptr);
  EXPECT_EQ(jwks->keys[0].alg(), kAlgEdDsa);
  for (int i = 0; i < 32; ++i) EXPECT_EQ((*jwks->keys[0].ed25519_public_key())[i], i);
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
  EXPECT_EQ(*jwks->Find("dev")->ed25519_public_key(), key.public_key);
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
        BadCase{"Oct", R"({"keys":[{"kty":"oct","kid":"h","k":"AQAB"}]})",
                "key 0: unsupported key type (kty \"oct\""},
        BadCase{"EcP384", R"({"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]})",
                "unsupported key type (kty \"EC\", crv \"P-384\")"},
        BadCase{"EcNoCrv", R"({"keys":[{"kty":"EC","x":"AA","y":"AA"}]})",
                "unsupported key type (kty \"EC\", crv \"\")"},
        BadCase{"X25519", R"({"keys":[{"kty":"OKP","crv":"X25519","x":"AA"}]})", "crv \"X25519\""},
        BadCase{"UnsupportedAfterGoodKey", R"({"keys":[)" + Key("a") + R"(,{"kty":"oct"}]})",
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

// RSA and EC P-256 keys. Key generation is slow-ish, so each kind is generated once per process.
const AsymmetricDevKey& RsaKey() {
  static const AsymmetricDevKey* const key = new AsymmetricDevKey(AsymmetricDevKey::GenerateRsa());
  return *key;
}
const AsymmetricDevKey& EcKey() {
  static const AsymmetricDevKey* const key =
      new AsymmetricDevKey(AsymmetricDevKey::GenerateEcP256());
  return *key;
}

std::string KeySetOf(const Json& jwk) { return Json{{"keys", Json::array({jwk})}}.dump(); }

TEST(JwksAsymmetricTest, ParsesRsaAndEcKeysNextToEd25519) {
  const devtoken::DevKey ed = devtoken::DevKeyFromSeed({7});
  absl::StatusOr<Jwks> jwks =
      ParseJwks(devtoken::JwksOf({devtoken::JwkForDevKey(ed, "ed"), RsaKey().PublicJwkJson("rsa"),
                                  EcKey().PublicJwkJson("ec")}));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  ASSERT_EQ(jwks->keys.size(), 3u);
  EXPECT_EQ(jwks->Find("ed")->alg(), kAlgEdDsa);
  EXPECT_EQ(jwks->Find("rsa")->alg(), kAlgRs256);
  EXPECT_EQ(jwks->Find("ec")->alg(), kAlgEs256);
  EXPECT_EQ(jwks->Find("rsa")->ed25519_public_key(), nullptr);

  const auto* rsa = std::get_if<RsaPublicKey>(&jwks->Find("rsa")->key);
  ASSERT_NE(rsa, nullptr);
  EXPECT_EQ(rsa->modulus_bits, 2048);
  EXPECT_NE(rsa->evp, nullptr);

  const auto* ec = std::get_if<EcP256PublicKey>(&jwks->Find("ec")->key);
  ASSERT_NE(ec, nullptr);
  EXPECT_NE(ec->evp, nullptr);
  const Json jwk = Json::parse(EcKey().PublicJwkJson("ec"));
  EXPECT_EQ(Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(ec->x.data()), 32)),
            jwk["x"]);
  EXPECT_EQ(Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(ec->y.data()), 32)),
            jwk["y"]);
}

TEST(JwksAsymmetricTest, AlgAndUseAreOptional) {
  for (const AsymmetricDevKey* key : {&RsaKey(), &EcKey()}) {
    Json jwk = Json::parse(key->PublicJwkJson("k"));
    jwk.erase("alg");
    jwk.erase("use");
    jwk.erase("kid");
    absl::StatusOr<Jwks> jwks = ParseJwks(KeySetOf(jwk));
    ASSERT_TRUE(jwks.ok()) << jwks.status();
    EXPECT_EQ(jwks->keys[0].alg(), key->alg());
  }
}

TEST(JwksAsymmetricTest, LargerRsaModulusIsAccepted) {
  absl::StatusOr<Jwks> jwks =
      ParseJwks(devtoken::JwksForDevKey(AsymmetricDevKey::GenerateRsa(3072), "big"));
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  EXPECT_EQ(std::get<RsaPublicKey>(jwks->keys[0].key).modulus_bits, 3072);
}

TEST(JwksAsymmetricTest, RsaKeyUnder2048BitsIsRefused) {
  const AsymmetricDevKey small = AsymmetricDevKey::GenerateRsa(1024);
  absl::StatusOr<Jwks> jwks = ParseJwks(devtoken::JwksForDevKey(small, "small"));
  ASSERT_FALSE(jwks.ok());
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(jwks.status().message()),
              HasSubstr("key 0: RSA modulus \"n\" has 1024 bits; at least 2048 are required"));
}

// An edit to a valid RSA ('R') or EC ('E') JWK that must refuse the key set.
struct BadJwkCase {
  std::string name;
  char kind;
  std::function<void(Json&)> edit;
  std::string message;
};

void PrintTo(const BadJwkCase& c, std::ostream* os) { *os << c.name; }

class JwksAsymmetricRejectTest : public ::testing::TestWithParam<BadJwkCase> {};

TEST_P(JwksAsymmetricRejectTest, RefusesWithClearMessage) {
  Json jwk = Json::parse((GetParam().kind == 'R' ? RsaKey() : EcKey()).PublicJwkJson("k1"));
  GetParam().edit(jwk);
  absl::StatusOr<Jwks> jwks = ParseJwks(KeySetOf(jwk));
  ASSERT_FALSE(jwks.ok());
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(jwks.status().message());
  EXPECT_THAT(message, HasSubstr(GetParam().message));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("\n")));
  // Never key material in messages.
  for (const char* member : {"n", "e", "x", "y", "d"}) {
    if (jwk.contains(member) && jwk[member].is_string() &&
        jwk[member].get<std::string>().size() >= 8) {
      EXPECT_THAT(message, ::testing::Not(HasSubstr(jwk[member].get<std::string>()))) << member;
    }
  }
}

std::string B64(const std::string& bytes) { return Base64UrlEncode(bytes); }

INSTANTIATE_TEST_SUITE_P(
    Cases, JwksAsymmetricRejectTest,
    ::testing::Values(
        BadJwkCase{"RsaAlgEs256", 'R', [](Json& k) { k["alg"] = "ES256"; },
                   "key 0: \"alg\" must be \"RS256\" when present"},
        BadJwkCase{"RsaAlgPs256", 'R', [](Json& k) { k["alg"] = "PS256"; },
                   "\"alg\" must be \"RS256\""},
        BadJwkCase{"RsaAlgRs384", 'R', [](Json& k) { k["alg"] = "RS384"; },
                   "\"alg\" must be \"RS256\""},
        BadJwkCase{"RsaAlgEdDsa", 'R', [](Json& k) { k["alg"] = "EdDSA"; },
                   "\"alg\" must be \"RS256\""},
        BadJwkCase{"EcAlgRs256", 'E', [](Json& k) { k["alg"] = "RS256"; },
                   "\"alg\" must be \"ES256\""},
        BadJwkCase{"EcAlgEs384", 'E', [](Json& k) { k["alg"] = "ES384"; },
                   "\"alg\" must be \"ES256\""},
        BadJwkCase{"RsaUseEnc", 'R', [](Json& k) { k["use"] = "enc"; },
                   "\"use\" must be \"sig\""},
        BadJwkCase{"RsaMissingN", 'R', [](Json& k) { k.erase("n"); },
                   "key 0: \"n\" is missing or not a string"},
        BadJwkCase{"RsaNNumber", 'R', [](Json& k) { k["n"] = 65537; },
                   "\"n\" is missing or not a string"},
        BadJwkCase{"RsaNNotBase64", 'R', [](Json& k) { k["n"] = "n+/=="; },
                   "\"n\" is not unpadded base64url"},
        BadJwkCase{"RsaNPadded", 'R',
                   [](Json& k) { k["n"] = k["n"].get<std::string>() + "=="; },
                   "\"n\" is not unpadded base64url"},
        BadJwkCase{"RsaNEmpty", 'R', [](Json& k) { k["n"] = ""; }, "has 0 bits"},
        BadJwkCase{"RsaNEven", 'R',
                   [](Json& k) { k["n"] = B64(std::string(255, '\xff') + '\xfe'); },
                   "RSA modulus \"n\" is even"},
        BadJwkCase{"RsaNHuge", 'R',
                   [](Json& k) { k["n"] = B64(std::string(1100, '\xff')); },
                   "larger than 8192 bits"},
        BadJwkCase{"RsaMissingE", 'R', [](Json& k) { k.erase("e"); },
                   "\"e\" is missing or not a string"},
        BadJwkCase{"RsaENotBase64", 'R', [](Json& k) { k["e"] = "AQAB="; },
                   "\"e\" is not unpadded base64url"},
        BadJwkCase{"RsaEOne", 'R', [](Json& k) { k["e"] = B64("\x01"); },
                   "RSA exponent \"e\" must be odd, at least 3"},
        BadJwkCase{"RsaEEven", 'R', [](Json& k) { k["e"] = B64(std::string("\x01\x00\x00", 3)); },
                   "RSA exponent \"e\" must be odd"},
        BadJwkCase{"RsaEEmpty", 'R', [](Json& k) { k["e"] = ""; }, "RSA exponent \"e\""},
        BadJwkCase{"RsaEOver64Bits", 'R',
                   [](Json& k) { k["e"] = B64(std::string(9, '\x01')); },
                   "RSA exponent \"e\" must be odd, at least 3 and at most 64 bits"},
        BadJwkCase{"RsaPrivate", 'R', [](Json& k) { k["d"] = "AQAB"; },
                   "contains private key material (\"d\")"},
        BadJwkCase{"RsaPrivatePrime", 'R', [](Json& k) { k["p"] = "AQAB"; },
                   "contains private key material (\"p\")"},
        BadJwkCase{"EcMissingX", 'E', [](Json& k) { k.erase("x"); },
                   "key 0: \"x\" is missing or not a string"},
        BadJwkCase{"EcMissingY", 'E', [](Json& k) { k.erase("y"); },
                   "\"y\" is missing or not a string"},
        BadJwkCase{"EcXNotBase64", 'E', [](Json& k) { k["x"] = "x.y"; },
                   "\"x\" is not unpadded base64url"},
        BadJwkCase{"EcYPadded", 'E', [](Json& k) { k["y"] = k["y"].get<std::string>() + "="; },
                   "\"y\" is not unpadded base64url"},
        BadJwkCase{"EcXShort", 'E', [](Json& k) { k["x"] = B64(std::string(31, '\x01')); },
                   "\"x\" decodes to 31 bytes; P-256 needs 32"},
        BadJwkCase{"EcYLong", 'E', [](Json& k) { k["y"] = B64(std::string(33, '\x01')); },
                   "\"y\" decodes to 33 bytes; P-256 needs 32"},
        BadJwkCase{"EcPointNotOnCurve", 'E',
                   [](Json& k) { k["y"] = B64(std::string(32, '\x01')); }, "EC point is not"},
        BadJwkCase{"EcPointZero", 'E',
                   [](Json& k) {
                     k["x"] = B64(std::string(32, '\0'));
                     k["y"] = B64(std::string(32, '\0'));
                   },
                   "EC point is not"},
        BadJwkCase{"EcCoordinateAboveP", 'E',
                   [](Json& k) {
                     k["x"] = B64(std::string(32, '\xff'));
                     k["y"] = B64(std::string(32, '\xff'));
                   },
                   "EC point is not"},
        BadJwkCase{"EcPrivate", 'E', [](Json& k) { k["d"] = "AQAB"; },
                   "contains private key material (\"d\")"},
        BadJwkCase{"EcKidNotString", 'E', [](Json& k) { k["kid"] = 7; },
                   "\"kid\" is not a string"}),
    [](const ::testing::TestParamInfo<BadJwkCase>& info) { return info.param.name; });

}  // namespace
}  // namespace registry::auth
