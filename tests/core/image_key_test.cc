// Table-driven tests for ImageKeyOf (issue 3, "Matching": the image side).
#include "server/core/image_key.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/image_reference.h"

namespace registry::core {
namespace {

using Labels = std::vector<std::string>;

TEST(ImageKeyTest, FromReferences) {
  struct Case {
    std::string image;
    Labels host_labels;
    std::string port;
    Labels path;
    bool docker_hub;
    std::string host_port;
  };
  const Case cases[] = {
      {"nginx", {"docker", "io"}, "", {"library", "nginx"}, true, "docker.io"},
      {"localhost:5000", {"docker", "io"}, "", {"library", "localhost"}, true, "docker.io"},
      {"docker.io/x/y", {"docker", "io"}, "", {"x", "y"}, true, "docker.io"},
      {"index.docker.io/foo/bar", {"docker", "io"}, "", {"foo", "bar"}, true, "docker.io"},
      {"registry-1.docker.io/foo", {"docker", "io"}, "", {"foo"}, true, "docker.io"},
      {"DOCKER.IO/foo/bar", {"docker", "io"}, "", {"foo", "bar"}, true, "docker.io"},
      {"Index.Docker.IO/foo/bar", {"docker", "io"}, "", {"foo", "bar"}, true, "docker.io"},
      {"docker.io:443/foo", {"docker", "io"}, "443", {"foo"}, false, "docker.io:443"},
      {"registry-1.docker.io:443/foo",
       {"registry-1", "docker", "io"},
       "443",
       {"foo"},
       false,
       "registry-1.docker.io:443"},
      {"ghcr.io/team/app:1", {"ghcr", "io"}, "", {"team", "app"}, false, "ghcr.io"},
      {"Example.COM:5000/a/b", {"example", "com"}, "5000", {"a", "b"}, false, "example.com:5000"},
      {"EXAMPLE/foo", {"example"}, "", {"foo"}, false, "example"},
      {"localhost/foo", {"localhost"}, "", {"foo"}, false, "localhost"},
      {"localhost:5000/foo", {"localhost"}, "5000", {"foo"}, false, "localhost:5000"},
      {"127.0.0.1:5000/foo", {"127", "0", "0", "1"}, "5000", {"foo"}, false, "127.0.0.1:5000"},
      {"[::1]:5000/foo", {"[::1]"}, "5000", {"foo"}, false, "[::1]:5000"},
      {"[FE80::1]/foo", {"[fe80::1]"}, "", {"foo"}, false, "[fe80::1]"},
      {"eu.gcr.io/p/a@sha256:" + std::string(64, 'a'),
       {"eu", "gcr", "io"},
       "",
       {"p", "a"},
       false,
       "eu.gcr.io"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ImageReference> ref = ParseImageReference(c.image);
    ASSERT_TRUE(ref.ok()) << c.image << ": " << ref.status();
    const ImageKey key = ImageKeyOf(*ref);
    EXPECT_EQ(key.host_labels, c.host_labels) << c.image;
    EXPECT_EQ(key.port, c.port) << c.image;
    EXPECT_EQ(key.path_segments, c.path) << c.image;
    EXPECT_EQ(key.docker_hub, c.docker_hub) << c.image;
    EXPECT_EQ(key.HostPort(), c.host_port) << c.image;
  }
}

}  // namespace
}  // namespace registry::core
