// Table-driven tests for DockerConfigServer, FillCredentials and FillAnonymous
// (issue 3, "What comes back": output mapping per credential type).
#include "server/core/credentials.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/image_key.h"
#include "server/core/image_reference.h"

namespace registry::core {
namespace {

ImageKey Image(const std::string& image) {
  absl::StatusOr<ImageReference> ref = ParseImageReference(image);
  EXPECT_TRUE(ref.ok()) << image << ": " << ref.status();
  return ref.ok() ? ImageKeyOf(*ref) : ImageKey{};
}

// A JSON key with newlines, quotes, backslashes and non-ASCII text, kept byte-exact.
const char kJsonKey[] =
    "{\n  \"type\": \"service_account\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMII\\n"
    "-----END PRIVATE KEY-----\\n\",\n  \"client_email\": \"ci@p.iam.gserviceaccount.com\",\n"
    "  \"note\": \"caf\xc3\xa9 \\\"quoted\\\"\"\n}\n";

TEST(CredentialsTest, DockerConfigServer) {
  struct Case {
    std::string image;
    std::string server;
  };
  const Case cases[] = {
      {"nginx", "https://index.docker.io/v1/"},
      {"docker.io/x/y", "https://index.docker.io/v1/"},
      {"index.docker.io/x/y", "https://index.docker.io/v1/"},
      {"registry-1.docker.io/x", "https://index.docker.io/v1/"},
      {"docker.io:443/x", "docker.io:443"},
      {"ghcr.io/team/app", "ghcr.io"},
      {"Host.Example:5000/a", "host.example:5000"},
      {"eu.gcr.io/p/app", "eu.gcr.io"},
      {"[::1]:5000/foo", "[::1]:5000"},
      {"localhost/foo", "localhost"},
  };
  for (const Case& c : cases) EXPECT_EQ(DockerConfigServer(Image(c.image)), c.server) << c.image;
}

v1::Registry Stored(v1::CredentialType type) {
  v1::Registry r;
  r.set_name("users/alice/registries/r");
  r.set_server("*.gcr.io");
  r.set_credential_type(type);
  r.set_email("alice@example.com");
  return r;
}

TEST(CredentialsTest, FillCredentialsPerType) {
  struct Case {
    std::string label;
    v1::Registry registry;
    bool anonymous;
    std::string username;
    std::string password;
    std::string email;
    std::string registry_token;
  };
  v1::Registry user_password = Stored(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  user_password.set_username("alice");
  user_password.set_password("s3cret:with:colons");
  v1::Registry json_default = Stored(v1::CREDENTIAL_TYPE_JSON_TOKEN);
  json_default.set_json_token(kJsonKey);
  v1::Registry json_named = json_default;
  json_named.set_username("custom");
  v1::Registry oauth_default = Stored(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN);
  oauth_default.set_oauth2_token("ya29.token");
  v1::Registry oauth_named = oauth_default;
  oauth_named.set_username("me");
  v1::Registry none = Stored(v1::CREDENTIAL_TYPE_NONE);
  v1::Registry unspecified = Stored(v1::CREDENTIAL_TYPE_UNSPECIFIED);
  unspecified.set_username("ignored");
  unspecified.set_password("ignored");

  const Case cases[] = {
      {"username/password", user_password, false, "alice", "s3cret:with:colons",
       "alice@example.com", ""},
      {"json default username", json_default, false, "_json_key", kJsonKey, "alice@example.com",
       ""},
      {"json set username", json_named, false, "custom", kJsonKey, "alice@example.com", ""},
      {"oauth2 default username", oauth_default, false, "oauth2accesstoken", "ya29.token",
       "alice@example.com", "ya29.token"},
      {"oauth2 set username", oauth_named, false, "me", "ya29.token", "alice@example.com",
       "ya29.token"},
      {"none", none, true, "", "", "", ""},
      {"unspecified", unspecified, true, "", "", "", ""},
  };
  for (const Case& c : cases) {
    v1::ResolvedCredential out;
    // Fields FillCredentials must not touch, and stale credentials it must clear.
    out.set_image("eu.gcr.io/p/app:1");
    out.set_reference("eu.gcr.io/p/app:1");
    out.set_registry("users/alice/registries/r");
    out.add_explanation()->set_reason("matched");
    out.set_username("stale");
    out.set_password("stale");
    out.set_email("stale");
    out.set_identity_token("stale");
    out.set_registry_token("stale");
    out.set_anonymous(!c.anonymous);

    FillCredentials(c.registry, Image("eu.gcr.io/p/app:1"), out);
    EXPECT_EQ(out.anonymous(), c.anonymous) << c.label;
    EXPECT_EQ(out.server(), "eu.gcr.io") << c.label;  // concrete host, not the wildcard
    EXPECT_EQ(out.username(), c.username) << c.label;
    EXPECT_EQ(out.password(), c.password) << c.label;
    EXPECT_EQ(out.email(), c.email) << c.label;
    EXPECT_EQ(out.registry_token(), c.registry_token) << c.label;
    EXPECT_EQ(out.identity_token(), "") << c.label;
    EXPECT_EQ(out.image(), "eu.gcr.io/p/app:1") << c.label;
    EXPECT_EQ(out.reference(), "eu.gcr.io/p/app:1") << c.label;
    EXPECT_EQ(out.registry(), "users/alice/registries/r") << c.label;
    ASSERT_EQ(out.explanation_size(), 1) << c.label;
  }
}

TEST(CredentialsTest, FillCredentialsDockerHubServer) {
  v1::Registry r = Stored(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  r.set_username("alice");
  r.set_password("pw");
  v1::ResolvedCredential out;
  FillCredentials(r, Image("nginx"), out);
  EXPECT_EQ(out.server(), kDockerHubConfigKey);
  EXPECT_FALSE(out.anonymous());
}

TEST(CredentialsTest, FillAnonymous) {
  struct Case {
    std::string image;
    std::string server;
  };
  const Case cases[] = {
      {"nginx", "https://index.docker.io/v1/"},
      {"ghcr.io/team/app", "ghcr.io"},
      {"host.example:5000/a", "host.example:5000"},
  };
  for (const Case& c : cases) {
    v1::ResolvedCredential out;
    out.set_image(c.image);
    out.set_registry("registries/docker-hub");
    out.set_username("stale");
    out.set_password("stale");
    out.set_email("stale");
    out.set_identity_token("stale");
    out.set_registry_token("stale");
    FillAnonymous(Image(c.image), out);
    EXPECT_TRUE(out.anonymous()) << c.image;
    EXPECT_EQ(out.server(), c.server) << c.image;
    EXPECT_EQ(out.username(), "") << c.image;
    EXPECT_EQ(out.password(), "") << c.image;
    EXPECT_EQ(out.email(), "") << c.image;
    EXPECT_EQ(out.identity_token(), "") << c.image;
    EXPECT_EQ(out.registry_token(), "") << c.image;
    EXPECT_EQ(out.image(), c.image) << c.image;
    EXPECT_EQ(out.registry(), "registries/docker-hub") << c.image;
  }
}

}  // namespace
}  // namespace registry::core
