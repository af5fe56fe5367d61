// Table-driven tests for ParseImageReference (issue 3, "Image references"):
// Docker's grammar as distribution/reference v0.6 reads it.
#include "server/core/image_reference.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry::core {
namespace {

using ::testing::HasSubstr;

const std::string kSha256 = std::string(32, 'a') + std::string(32, '0');  // 64 lowercase hex
const std::string kSha512 = std::string(64, 'f') + std::string(64, '9');  // 128 lowercase hex

struct ValidCase {
  std::string image;
  std::string domain;
  std::string path;
  std::string tag;
  std::string digest;
  std::string normalized;
};

TEST(ImageReferenceTest, Valid) {
  const std::string tag128(128, 't');
  const std::string path255 = std::string(255 - 8, 'p');  // + "library/" = 255
  const std::string ghcr_path255 = "team/" + std::string(250, 'q');
  const ValidCase cases[] = {
      // Docker Hub defaults: domain, library/, :latest.
      {"nginx", "docker.io", "library/nginx", "", "", "docker.io/library/nginx:latest"},
      {"nginx:1.25", "docker.io", "library/nginx", "1.25", "", "docker.io/library/nginx:1.25"},
      {"library/nginx", "docker.io", "library/nginx", "", "", "docker.io/library/nginx:latest"},
      {"bitnami/redis:7", "docker.io", "bitnami/redis", "7", "", "docker.io/bitnami/redis:7"},
      {"a/b/c/d", "docker.io", "a/b/c/d", "", "", "docker.io/a/b/c/d:latest"},
      {"docker.io/nginx", "docker.io", "library/nginx", "", "", "docker.io/library/nginx:latest"},
      {"docker.io/library/nginx:latest", "docker.io", "library/nginx", "latest", "",
       "docker.io/library/nginx:latest"},
      {"index.docker.io/nginx", "docker.io", "library/nginx", "", "",
       "docker.io/library/nginx:latest"},
      {"index.docker.io/foo/bar", "docker.io", "foo/bar", "", "", "docker.io/foo/bar:latest"},
      // Only the exact legacy name is rewritten; other aliases keep their domain and path.
      {"registry-1.docker.io/nginx", "registry-1.docker.io", "nginx", "", "",
       "registry-1.docker.io/nginx:latest"},
      // No slash: "localhost:5000" is the Docker Hub image localhost with tag 5000.
      {"localhost:5000", "docker.io", "library/localhost", "5000", "",
       "docker.io/library/localhost:5000"},
      {"localhost/foo", "localhost", "foo", "", "", "localhost/foo:latest"},
      {"localhost:5000/foo", "localhost:5000", "foo", "", "", "localhost:5000/foo:latest"},
      // Domains: '.', ':' or uppercase make the first segment a domain, kept as written.
      {"Example.com/foo", "Example.com", "foo", "", "", "Example.com/foo:latest"},
      {"EXAMPLE/foo", "EXAMPLE", "foo", "", "", "EXAMPLE/foo:latest"},
      {"ghcr.io/team/app:1.2", "ghcr.io", "team/app", "1.2", "", "ghcr.io/team/app:1.2"},
      {"example.com:443/a/b/c:v1", "example.com:443", "a/b/c", "v1", "",
       "example.com:443/a/b/c:v1"},
      {"host.example:0/foo", "host.example:0", "foo", "", "", "host.example:0/foo:latest"},
      {"127.0.0.1:5000/foo", "127.0.0.1:5000", "foo", "", "", "127.0.0.1:5000/foo:latest"},
      {"xn--bcher-kva.example/a-b", "xn--bcher-kva.example", "a-b", "", "",
       "xn--bcher-kva.example/a-b:latest"},
      {"a1.b2-c3.io/x", "a1.b2-c3.io", "x", "", "", "a1.b2-c3.io/x:latest"},
      {"[::1]:5000/foo", "[::1]:5000", "foo", "", "", "[::1]:5000/foo:latest"},
      {"[2001:DB8::1]/foo", "[2001:DB8::1]", "foo", "", "", "[2001:DB8::1]/foo:latest"},
      // Digests: no :latest; tag and digest together keep both.
      {"ubuntu@sha256:" + kSha256, "docker.io", "library/ubuntu", "", "sha256:" + kSha256,
       "docker.io/library/ubuntu@sha256:" + kSha256},
      {"ubuntu:22.04@sha256:" + kSha256, "docker.io", "library/ubuntu", "22.04",
       "sha256:" + kSha256, "docker.io/library/ubuntu:22.04@sha256:" + kSha256},
      {"ghcr.io/a/b@sha512:" + kSha512, "ghcr.io", "a/b", "", "sha512:" + kSha512,
       "ghcr.io/a/b@sha512:" + kSha512},
      // Separators: '.', '_', '__', one or more '-'.
      {"ns/a.b_c/d__e/f-g/h---i", "docker.io", "ns/a.b_c/d__e/f-g/h---i", "", "",
       "docker.io/ns/a.b_c/d__e/f-g/h---i:latest"},
      {"ns/a--b:tag", "docker.io", "ns/a--b", "tag", "", "docker.io/ns/a--b:tag"},
      // Tags: word characters first, then word characters, '.', '-'; up to 128.
      {"foo:Tag_-.1", "docker.io", "library/foo", "Tag_-.1", "", "docker.io/library/foo:Tag_-.1"},
      {"foo:_x", "docker.io", "library/foo", "_x", "", "docker.io/library/foo:_x"},
      {"foo:" + tag128, "docker.io", "library/foo", tag128, "", "docker.io/library/foo:" + tag128},
      // Path length 255 after library/.
      {path255, "docker.io", "library/" + path255, "", "",
       "docker.io/library/" + path255 + ":latest"},
      {"ghcr.io/" + ghcr_path255, "ghcr.io", ghcr_path255, "", "",
       "ghcr.io/" + ghcr_path255 + ":latest"},
      // 63 hex characters is a name, not an image ID.
      {std::string(63, 'a'), "docker.io", "library/" + std::string(63, 'a'), "", "",
       "docker.io/library/" + std::string(63, 'a') + ":latest"},
  };
  for (const ValidCase& c : cases) {
    absl::StatusOr<ImageReference> ref = ParseImageReference(c.image);
    ASSERT_TRUE(ref.ok()) << c.image << ": " << ref.status();
    EXPECT_EQ(ref->domain, c.domain) << c.image;
    EXPECT_EQ(ref->path, c.path) << c.image;
    EXPECT_EQ(ref->tag, c.tag) << c.image;
    EXPECT_EQ(ref->digest, c.digest) << c.image;
    EXPECT_EQ(ref->Normalized(), c.normalized) << c.image;
    // The normalized form parses back to itself.
    absl::StatusOr<ImageReference> again = ParseImageReference(ref->Normalized());
    ASSERT_TRUE(again.ok()) << ref->Normalized() << ": " << again.status();
    EXPECT_EQ(again->Normalized(), c.normalized) << c.image;
  }
}

TEST(ImageReferenceTest, Invalid) {
  struct Case {
    std::string image;
    std::string message_part;
  };
  const Case cases[] = {
      // Empty and name-less forms.
      {"", "must not be empty"},
      {":", "repository path must not be empty"},
      {"docker.io/", "repository path must not be empty"},
      {"localhost:5000/", "repository path must not be empty"},
      {"@sha256:" + kSha256, "repository path must not be empty"},
      // Image IDs.
      {kSha256, "64-character hex image ID"},
      // Uppercase in the path (with or without a domain).
      {"Nginx", "repository name must be lowercase"},
      {"NGINX:latest", "repository name must be lowercase"},
      {"foo/Bar", "repository name must be lowercase"},
      {"ghcr.io/Team/app", "repository name must be lowercase"},
      {std::string(64, 'A'), "repository name must be lowercase"},
      // Path components and slashes.
      {"/foo", "empty component"},
      {"foo/", "empty component"},
      {"foo//bar", "empty component"},
      {"ghcr.io//foo", "empty component"},
      {"-foo", "path component \"-foo\" is invalid"},
      {"foo-", "path component"},
      {"a..b", "path component \"a..b\""},
      {"a___b", "path component"},
      {"a.-b", "path component"},
      {"_a", "path component"},
      {"ns/.a", "path component"},
      {"nginx ", "path component"},
      {" nginx", "path component"},
      {"ngi nx", "path component"},
      {"nginx\n", "path component"},
      {"caf\xc3\xa9", "path component"},
      // Path length after library/.
      {std::string(255 - 8 + 1, 'p'), "path longer than 255 characters"},
      {"ghcr.io/team/" + std::string(251, 'q'), "path longer than 255 characters"},
      // Tags.
      {"nginx:", "invalid tag"},
      {"nginx:" + std::string(129, 't'), "invalid tag"},
      {"nginx:.x", "invalid tag"},
      {"nginx:-x", "invalid tag"},
      {"nginx:a:b", "invalid tag"},
      {"nginx:a+b", "invalid tag"},
      {"nginx:1 ", "invalid tag"},
      // Digests.
      {"nginx@sha256:" + std::string(64, 'A'), "invalid digest: sha256 needs exactly 64"},
      {"nginx@sha256:" + kSha256.substr(1), "invalid digest: sha256 needs exactly 64"},
      {"nginx@sha256:" + kSha256 + "0", "invalid digest"},
      {"nginx@sha256:" + std::string(63, 'a') + "g", "invalid digest"},
      {"nginx@sha512:" + kSha256, "invalid digest: sha512 needs exactly 128"},
      {"nginx@md5:" + std::string(32, 'a'), "unsupported digest algorithm \"md5\""},
      {"nginx@SHA256:" + kSha256, "unsupported digest algorithm"},
      {"nginx@sha384:" + std::string(96, 'a'), "unsupported digest algorithm"},
      {"nginx@", "invalid digest"},
      {"nginx@sha256", "invalid digest"},
      {"nginx:latest@", "invalid digest"},
      {"nginx@sha256:" + kSha256 + "@sha256:" + kSha256, "invalid digest"},
      // Domains.
      {"a_b.com/x", "invalid domain \"a_b.com\""},
      {"-example.com/x", "invalid domain"},
      {"example-.com/x", "invalid domain"},
      {"example..com/x", "invalid domain"},
      {".example.com/x", "invalid domain"},
      {"example.com:/x", "invalid domain"},
      {"example.com:port/x", "invalid domain"},
      {"example.com:50:00/x", "invalid domain"},
      {"nginx:tag/foo", "invalid domain"},
      {"[::1/x", "invalid domain"},
      {"[]:5000/x", "invalid domain"},
      {"[::g]/x", "invalid domain"},
      {"[::1]x/foo", "invalid domain"},
      {"Foo_Bar/x", "invalid domain"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ImageReference> ref = ParseImageReference(c.image);
    ASSERT_FALSE(ref.ok()) << c.image << " parsed as " << ref->Normalized();
    EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument) << c.image;
    EXPECT_THAT(ref.status().message(), HasSubstr(c.message_part)) << c.image;
  }
}

TEST(ImageReferenceTest, MessageQuotesImage) {
  absl::StatusOr<ImageReference> ref = ParseImageReference("ghcr.io/Team/app:1");
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.status().message(),
            "invalid image reference \"ghcr.io/Team/app:1\": repository name must be lowercase");
}

TEST(ImageReferenceTest, MessageEscapesAndTruncates) {
  absl::StatusOr<ImageReference> ref = ParseImageReference("bad\nimage" + std::string(1000, 'x'));
  ASSERT_FALSE(ref.ok());
  EXPECT_THAT(ref.status().message(), HasSubstr("\"bad\\nimage"));
  EXPECT_THAT(ref.status().message(), HasSubstr("...\""));
  EXPECT_LT(ref.status().message().size(), 1000u);
}

}  // namespace
}  // namespace registry::core
