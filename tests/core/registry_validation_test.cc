// Table-driven tests for ValidateRegistry, ApplyCredentialDefaults, HasSecret
// and ClearSecrets.
#include "server/core/registry_validation.h"

#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/thumbnail.h"
#include "server/core/update_mask.h"

namespace registry::core {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kPassword[] = "planted-password-Zq9";
constexpr char kOauthToken[] = "planted-oauth2-token-Xy7";
constexpr char kJsonToken[] =
    "{\n  \"type\": \"service_account\",\n  \"private_key\": \"planted-key-Wv5\"\n}\n";

v1::Registry Base(v1::CredentialType type) {
  v1::Registry r;
  r.set_display_name("My registry");
  r.set_server("ghcr.io");
  r.set_credential_type(type);
  return r;
}

v1::Registry ValidUserPass() {
  v1::Registry r = Base(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  r.set_username("alice");
  r.set_password(kPassword);
  return r;
}

v1::Registry ValidOauth() {
  v1::Registry r = Base(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN);
  r.set_oauth2_token(kOauthToken);
  return r;
}

v1::Registry ValidJson() {
  v1::Registry r = Base(v1::CREDENTIAL_TYPE_JSON_TOKEN);
  r.set_json_token(kJsonToken);
  return r;
}

std::vector<std::string> Fields(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> out;
  for (const FieldViolation& v : violations) out.push_back(v.field);
  return out;
}

std::string Base64Of(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // Test-only reference encoder, to keep the test independent of the code under test.
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

TEST(ValidateRegistryTest, ValidPerCredentialType) {
  v1::Registry none = Base(v1::CREDENTIAL_TYPE_NONE);
  v1::Registry oauth_with_user = ValidOauth();
  oauth_with_user.set_username("oauth2accesstoken");
  v1::Registry json_with_user = ValidJson();
  json_with_user.set_username("_json_key");
  v1::Registry full = ValidUserPass();
  full.set_email("alice@example.com");
  full.set_thumbnail_uri("https://example.com/logo.png");
  for (const v1::Registry& r :
       {none, ValidUserPass(), ValidOauth(), oauth_with_user, ValidJson(), json_with_user, full}) {
    EXPECT_THAT(ValidateRegistry(r, "registry."), IsEmpty()) << r.DebugString();
  }
}

struct ConsistencyCase {
  std::string name;
  std::function<v1::Registry()> make;
  std::vector<std::string> fields;
};

TEST(ValidateRegistryTest, CredentialConsistency) {
  const ConsistencyCase cases[] = {
      {"unspecified",
       [] { return Base(v1::CREDENTIAL_TYPE_UNSPECIFIED); },
       {"registry.credential_type"}},
      {"unknown type",
       [] { return Base(static_cast<v1::CredentialType>(42)); },
       {"registry.credential_type"}},
      {"none with everything",
       [] {
         v1::Registry r = Base(v1::CREDENTIAL_TYPE_NONE);
         r.set_username("u");
         r.set_password(kPassword);
         r.set_oauth2_token(kOauthToken);
         r.set_json_token(kJsonToken);
         return r;
       },
       {"registry.username", "registry.password", "registry.oauth2_token", "registry.json_token"}},
      {"none with email is fine",
       [] {
         v1::Registry r = Base(v1::CREDENTIAL_TYPE_NONE);
         r.set_email("a@b.c");
         return r;
       },
       {}},
      {"userpass missing both",
       [] { return Base(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD); },
       {"registry.username", "registry.password"}},
      {"userpass missing password",
       [] {
         v1::Registry r = ValidUserPass();
         r.clear_password();
         return r;
       },
       {"registry.password"}},
      {"userpass missing username",
       [] {
         v1::Registry r = ValidUserPass();
         r.clear_username();
         return r;
       },
       {"registry.username"}},
      {"userpass with foreign secrets",
       [] {
         v1::Registry r = ValidUserPass();
         r.set_oauth2_token(kOauthToken);
         r.set_json_token(kJsonToken);
         return r;
       },
       {"registry.oauth2_token", "registry.json_token"}},
      {"userpass username with colon",
       [] {
         v1::Registry r = ValidUserPass();
         r.set_username("ali:ce");
         return r;
       },
       {"registry.username"}},
      {"oauth missing token",
       [] { return Base(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN); },
       {"registry.oauth2_token"}},
      {"oauth with foreign secrets",
       [] {
         v1::Registry r = ValidOauth();
         r.set_password(kPassword);
         r.set_json_token(kJsonToken);
         return r;
       },
       {"registry.password", "registry.json_token"}},
      {"json missing token",
       [] { return Base(v1::CREDENTIAL_TYPE_JSON_TOKEN); },
       {"registry.json_token"}},
      {"json with foreign secrets",
       [] {
         v1::Registry r = ValidJson();
         r.set_password(kPassword);
         r.set_oauth2_token(kOauthToken);
         return r;
       },
       {"registry.password", "registry.oauth2_token"}},
      {"json not an object",
       [] {
         v1::Registry r = ValidJson();
         r.set_json_token("[\"planted-key-Wv5\"]");
         return r;
       },
       {"registry.json_token"}},
      {"json scalar",
       [] {
         v1::Registry r = ValidJson();
         r.set_json_token("\"planted-key-Wv5\"");
         return r;
       },
       {"registry.json_token"}},
      {"json invalid",
       [] {
         v1::Registry r = ValidJson();
         r.set_json_token("{\"private_key\": \"planted-key-Wv5\"");
         return r;
       },
       {"registry.json_token"}},
      {"json trailing garbage",
       [] {
         v1::Registry r = ValidJson();
         r.set_json_token("{} planted-key-Wv5");
         return r;
       },
       {"registry.json_token"}},
  };
  for (const ConsistencyCase& c : cases) {
    EXPECT_THAT(Fields(ValidateRegistry(c.make(), "registry.")), ElementsAreArray(c.fields))
        << c.name;
  }
}

TEST(ValidateRegistryTest, JsonTokenKeptByteExact) {
  v1::Registry r = ValidJson();
  const std::string before = r.json_token();
  EXPECT_THAT(ValidateRegistry(r, ""), IsEmpty());
  ApplyCredentialDefaults(r);
  EXPECT_EQ(r.json_token(), before);
  EXPECT_THAT(r.json_token(), HasSubstr("\n  \"type\""));
}

TEST(ValidateRegistryTest, PrefixIsPrepended) {
  v1::Registry r = Base(v1::CREDENTIAL_TYPE_NONE);
  r.clear_server();
  EXPECT_THAT(Fields(ValidateRegistry(r, "")), ElementsAre("server"));
  EXPECT_THAT(Fields(ValidateRegistry(r, "registry.")), ElementsAre("registry.server"));
}

TEST(ValidateRegistryTest, ReportsEveryViolationTogether) {
  v1::Registry r;
  r.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  r.set_email("not-an-email");
  r.set_thumbnail_uri("ftp://x/y.png");
  r.set_oauth2_token(kOauthToken);
  EXPECT_THAT(Fields(ValidateRegistry(r, "registry.")),
              ElementsAre("registry.display_name", "registry.server", "registry.email",
                          "registry.thumbnail_uri", "registry.username", "registry.password",
                          "registry.oauth2_token"));
}

struct FieldCase {
  std::string name;
  std::function<void(v1::Registry&)> mutate;
  bool valid;
};

void RunFieldCases(std::string_view field, const std::vector<FieldCase>& cases) {
  for (const FieldCase& c : cases) {
    v1::Registry r = ValidUserPass();
    c.mutate(r);
    const std::vector<FieldViolation> violations = ValidateRegistry(r, "registry.");
    if (c.valid) {
      EXPECT_THAT(violations, IsEmpty()) << field << ": " << c.name;
    } else {
      EXPECT_THAT(Fields(violations), ElementsAre(std::string("registry.") + std::string(field)))
          << c.name;
    }
  }
}

TEST(ValidateRegistryTest, DisplayName) {
  const std::string e_acute = "\xc3\xa9";        // 2 bytes, 1 code point
  const std::string cjk = "\xe6\xbc\xa2";        // 3 bytes, 1 code point
  const std::string emoji = "\xf0\x9f\x90\xb3";  // 4 bytes, 1 code point
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  auto set = [](std::string v) { return [v](v1::Registry& r) { r.set_display_name(v); }; };
  RunFieldCases("display_name", {
                                    {"one char", set("x"), true},
                                    {"256 ascii", set(std::string(256, 'x')), true},
                                    {"257 ascii", set(std::string(257, 'x')), false},
                                    {"256 two-byte", set(repeat(e_acute, 256)), true},
                                    {"257 two-byte", set(repeat(e_acute, 257)), false},
                                    {"256 three-byte", set(repeat(cjk, 256)), true},
                                    {"256 four-byte", set(repeat(emoji, 256)), true},
                                    {"257 four-byte", set(repeat(emoji, 257)), false},
                                    {"inner spaces", set("My  registry"), true},
                                    {"empty", set(""), false},
                                    {"spaces only", set("   "), false},
                                    {"nbsp only", set("\xc2\xa0\xe3\x80\x80"), false},
                                    {"newline", set("a\nb"), false},
                                    {"tab", set("a\tb"), false},
                                    {"nul", set(std::string("a\0b", 3)), false},
                                    {"del", set("a\x7f"), false},
                                    {"c1 control", set("a\xc2\x85"), false},
                                    {"invalid utf8", set("a\xff"), false},
                                    {"truncated utf8", set("a\xe6\xbc"), false},
                                    {"overlong utf8", set("\xc0\xaf"), false},
                                    {"surrogate utf8", set("\xed\xa0\x80"), false},
                                });
}

TEST(ValidateRegistryTest, Server) {
  auto set = [](std::string v) { return [v](v1::Registry& r) { r.set_server(v); }; };
  RunFieldCases("server", {
                              {"docker hub", set("https://index.docker.io/v1/"), true},
                              {"wildcard", set("*.gcr.io"), true},
                              {"port path", set("registry.example.com:5000/team"), true},
                              {"empty", set(""), false},
                              {"bad scheme", set("ftp://x"), false},
                              {"user info", set("u@host"), false},
                              {"uppercase path", set("ghcr.io/Team"), false},
                          });
}

TEST(ValidateRegistryTest, Username) {
  auto set = [](std::string v) { return [v](v1::Registry& r) { r.set_username(v); }; };
  RunFieldCases("username", {
                                {"256", set(std::string(256, 'u')), true},
                                {"257", set(std::string(257, 'u')), false},
                                {"unicode", set("\xc3\xa9lise"), true},
                                {"colon", set("a:b"), false},
                                {"newline", set("alice\n"), false},
                                {"invalid utf8", set("\xff"), false},
                            });
}

TEST(ValidateRegistryTest, Email) {
  auto set = [](std::string v) { return [v](v1::Registry& r) { r.set_email(v); }; };
  RunFieldCases("email", {
                             {"empty is optional", set(""), true},
                             {"simple", set("alice@example.com"), true},
                             {"254", set(std::string(242, 'a') + "@example.com"), true},
                             {"255", set(std::string(243, 'a') + "@example.com"), false},
                             {"no at", set("alice.example.com"), false},
                             {"two at", set("a@b@c"), false},
                             {"empty local", set("@example.com"), false},
                             {"empty domain", set("alice@"), false},
                             {"space", set("ali ce@example.com"), false},
                             {"trailing newline", set("alice@example.com\n"), false},
                             {"control", set("alice@exa\x01mple.com"), false},
                         });
}

TEST(ValidateRegistryTest, SecretSizes) {
  const std::string max(kMaxSecretLength, 'p');
  const std::string over(kMaxSecretLength + 1, 'p');
  RunFieldCases("password",
                {
                    {"64 KiB", [&](v1::Registry& r) { r.set_password(max); }, true},
                    {"64 KiB + 1", [&](v1::Registry& r) { r.set_password(over); }, false},
                });
  v1::Registry oauth = ValidOauth();
  oauth.set_oauth2_token(over);
  EXPECT_THAT(Fields(ValidateRegistry(oauth, "")), ElementsAre("oauth2_token"));
  v1::Registry json = ValidJson();
  std::string big_json = "{\"k\":\"" + std::string(kMaxSecretLength, 'x') + "\"}";
  json.set_json_token(big_json);
  EXPECT_THAT(Fields(ValidateRegistry(json, "")), ElementsAre("json_token"));
}

TEST(ValidateRegistryTest, ThumbnailUri) {
  auto set = [](std::string v) { return [v](v1::Registry& r) { r.set_thumbnail_uri(v); }; };
  const std::string png = Base64Of("\x89PNG\r\n\x1a\nfakeimage");
  const std::string prefix = "data:image/png;base64,";
  std::string max_data = prefix;
  max_data += std::string((kMaxThumbnailDataUriLength - prefix.size()) / 4 * 4, 'A');
  std::string over_data = prefix + std::string(kMaxThumbnailDataUriLength - prefix.size() + 4, 'A');
  RunFieldCases(
      "thumbnail_uri",
      {
          {"empty is optional", set(""), true},
          {"https", set("https://example.com/logo.png"), true},
          {"https with port query", set("https://cdn.example.com:8443/a/b.svg?v=2"), true},
          {"https host only", set("https://example.com"), true},
          {"https uppercase scheme", set("HTTPS://example.com/x.png"), true},
          {"http", set("http://example.com/logo.png"), false},
          {"relative", set("/logo.png"), false},
          {"javascript", set("javascript:alert(1)"), false},
          {"https no host", set("https:///logo.png"), false},
          {"https user info", set("https://u:p@example.com/x.png"), false},
          {"https space", set("https://example.com/a b.png"), false},
          {"https newline", set("https://example.com/a.png\n"), false},
          {"https non-ascii", set("https://example.com/\xc3\xa9.png"), false},
          {"https 2048", set("https://example.com/" + std::string(2048 - 20, 'a')), true},
          {"https 2049", set("https://example.com/" + std::string(2049 - 20, 'a')), false},
          {"png", set(prefix + png), true},
          {"jpeg", set("data:image/jpeg;base64," + Base64Of("jpegdata")), true},
          {"gif", set("data:image/gif;base64," + Base64Of("GIF89a")), true},
          {"webp", set("data:image/webp;base64," + Base64Of("RIFFxxxxWEBP")), true},
          {"svg", set("data:image/svg+xml;base64," + Base64Of("<svg/>")), true},
          {"bad media type", set("data:image/bmp;base64," + png), false},
          {"text media type", set("data:text/html;base64," + png), false},
          {"no media type", set("data:;base64," + png), false},
          {"not base64 encoded", set("data:image/svg+xml,<svg/>"), false},
          {"bad base64 chars", set(prefix + "iVBO*w0K"), false},
          {"bad base64 padding", set(prefix + "iVBORw0KG"), false},
          {"base64 with space", set(prefix + "iVBO Rw0K"), false},
          {"base64 urlsafe", set(prefix + "ab-_"), false},
          {"empty payload", set(prefix), false},
          {"no comma", set("data:image/png;base64"), false},
          {"256 KiB", set(max_data), true},
          {"over 256 KiB", set(over_data), false},
      });
  EXPECT_LE(max_data.size(), kMaxThumbnailDataUriLength);
  EXPECT_GT(over_data.size(), kMaxThumbnailDataUriLength);
}

TEST(ValidateRegistryTest, NoDescriptionContainsASecret) {
  // Every kind of invalid record, each carrying planted secrets.
  std::vector<v1::Registry> records;
  for (auto type : {v1::CREDENTIAL_TYPE_UNSPECIFIED, v1::CREDENTIAL_TYPE_NONE,
                    v1::CREDENTIAL_TYPE_USERNAME_PASSWORD, v1::CREDENTIAL_TYPE_OAUTH2_TOKEN,
                    v1::CREDENTIAL_TYPE_JSON_TOKEN}) {
    v1::Registry r;
    r.set_credential_type(type);
    r.set_display_name("\n");
    r.set_server(std::string("https://u:") + kPassword + "@host");
    r.set_username(std::string(kPassword) + ":");
    r.set_email(kPassword);
    r.set_thumbnail_uri(std::string("data:image/png;base64,") + kPassword);
    r.set_password(kPassword);
    r.set_oauth2_token(kOauthToken);
    r.set_json_token(std::string("[\"") + kJsonToken);
    records.push_back(r);
    r.set_json_token(std::string(kMaxSecretLength + 1, 'x') + kPassword);
    records.push_back(r);
  }
  for (const v1::Registry& r : records) {
    const std::vector<FieldViolation> violations = ValidateRegistry(r, "registry.");
    ASSERT_FALSE(violations.empty());
    const absl::Status status = InvalidArgumentError(violations);
    for (const char* secret : {kPassword, kOauthToken, "planted-key-Wv5"}) {
      for (const FieldViolation& v : violations) {
        EXPECT_THAT(v.description, Not(HasSubstr(secret))) << v.field;
      }
      EXPECT_THAT(std::string(status.message()), Not(HasSubstr(secret)));
    }
  }
  // Update-mask errors echo paths, never values.
  v1::Registry patch = ValidUserPass();
  google::protobuf::FieldMask mask;
  mask.add_paths("name");
  mask.add_paths(std::string("bogus"));
  absl::StatusOr<UpdateResult> merged = ApplyUpdateMask(ValidUserPass(), patch, mask);
  ASSERT_FALSE(merged.ok());
  EXPECT_THAT(std::string(merged.status().message()), Not(HasSubstr(kPassword)));
}

TEST(CredentialDefaultsTest, JsonTokenGetsJsonKeyUsername) {
  struct Case {
    v1::CredentialType type;
    std::string username;
    std::string want;
  };
  const Case cases[] = {
      {v1::CREDENTIAL_TYPE_JSON_TOKEN, "", "_json_key"},
      {v1::CREDENTIAL_TYPE_JSON_TOKEN, "custom", "custom"},
      {v1::CREDENTIAL_TYPE_OAUTH2_TOKEN, "", ""},
      {v1::CREDENTIAL_TYPE_USERNAME_PASSWORD, "", ""},
      {v1::CREDENTIAL_TYPE_NONE, "", ""},
  };
  for (const Case& c : cases) {
    v1::Registry r = Base(c.type);
    r.set_username(c.username);
    ApplyCredentialDefaults(r);
    EXPECT_EQ(r.username(), c.want) << c.type;
  }
}

TEST(SecretsTest, HasSecretAndClearSecrets) {
  EXPECT_FALSE(HasSecret(Base(v1::CREDENTIAL_TYPE_NONE)));
  for (const v1::Registry& with : {ValidUserPass(), ValidOauth(), ValidJson()}) {
    EXPECT_TRUE(HasSecret(with));
    v1::Registry r = with;
    ClearSecrets(r);
    EXPECT_FALSE(HasSecret(r));
    EXPECT_EQ(r.display_name(), with.display_name());
    EXPECT_EQ(r.username(), with.username());
  }
}

}  // namespace
}  // namespace registry::core
