// Table-driven tests for ParseServerKey (issue 3, "Registry servers as match keys").
#include "server/core/server_key.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry::core {
namespace {

using Labels = std::vector<std::string>;

struct ValidCase {
  std::string server;
  Labels host_labels;
  std::string port;
  Labels path;
  bool docker_hub;
  int wildcard_labels;
  std::string host_port;
};

TEST(ServerKeyTest, Valid) {
  const ValidCase cases[] = {
      {"https://index.docker.io/v1/", {"docker", "io"}, "", {}, true, 0, "docker.io"},
      {"docker.io", {"docker", "io"}, "", {}, true, 0, "docker.io"},
      {"index.docker.io", {"docker", "io"}, "", {}, true, 0, "docker.io"},
      {"registry-1.docker.io", {"docker", "io"}, "", {}, true, 0, "docker.io"},
      {"HTTPS://Registry-1.Docker.IO/v2/", {"docker", "io"}, "", {}, true, 0, "docker.io"},
      {"docker.io/library", {"docker", "io"}, "", {"library"}, true, 0, "docker.io"},
      {"docker.io:443", {"docker", "io"}, "443", {}, false, 0, "docker.io:443"},
      {"index.docker.io:443",
       {"index", "docker", "io"},
       "443",
       {},
       false,
       0,
       "index.docker.io:443"},
      {"ghcr.io", {"ghcr", "io"}, "", {}, false, 0, "ghcr.io"},
      {"ghcr.io/", {"ghcr", "io"}, "", {}, false, 0, "ghcr.io"},
      {"ghcr.io//team//", {"ghcr", "io"}, "", {"team"}, false, 0, "ghcr.io"},
      {"registry.example.com:5000/team",
       {"registry", "example", "com"},
       "5000",
       {"team"},
       false,
       0,
       "registry.example.com:5000"},
      {"https://registry.example.com:5000/v2/team/sub",
       {"registry", "example", "com"},
       "5000",
       {"team", "sub"},
       false,
       0,
       "registry.example.com:5000"},
      {"ghcr.io/v1", {"ghcr", "io"}, "", {}, false, 0, "ghcr.io"},
      {"ghcr.io/team/v2", {"ghcr", "io"}, "", {"team", "v2"}, false, 0, "ghcr.io"},
      {"ghcr.io/a.b_c__d--e", {"ghcr", "io"}, "", {"a.b_c__d--e"}, false, 0, "ghcr.io"},
      {"*.gcr.io", {"*", "gcr", "io"}, "", {}, false, 1, "*.gcr.io"},
      {"*-docker.pkg.dev", {"*-docker", "pkg", "dev"}, "", {}, false, 1, "*-docker.pkg.dev"},
      {"*.dkr.ecr.*.amazonaws.com",
       {"*", "dkr", "ecr", "*", "amazonaws", "com"},
       "",
       {},
       false,
       2,
       "*.dkr.ecr.*.amazonaws.com"},
      {"*.azurecr.io", {"*", "azurecr", "io"}, "", {}, false, 1, "*.azurecr.io"},
      {"registry?.example.com",
       {"registry?", "example", "com"},
       "",
       {},
       false,
       1,
       "registry?.example.com"},
      {"http://LOCALHOST:5000", {"localhost"}, "5000", {}, false, 0, "localhost:5000"},
      {"localhost", {"localhost"}, "", {}, false, 0, "localhost"},
      {"10.0.0.1:65535", {"10", "0", "0", "1"}, "65535", {}, false, 0, "10.0.0.1:65535"},
      {"host:1", {"host"}, "1", {}, false, 0, "host:1"},
      {"[::1]:5000", {"[::1]"}, "5000", {}, false, 0, "[::1]:5000"},
      {"https://[FE80::1]/team", {"[fe80::1]"}, "", {"team"}, false, 0, "[fe80::1]"},
      {std::string(63, 'a') + ".io",
       {std::string(63, 'a'), "io"},
       "",
       {},
       false,
       0,
       std::string(63, 'a') + ".io"},
  };
  for (const ValidCase& c : cases) {
    absl::StatusOr<ServerKey> key = ParseServerKey(c.server);
    ASSERT_TRUE(key.ok()) << c.server << ": " << key.status();
    EXPECT_EQ(key->host_labels, c.host_labels) << c.server;
    EXPECT_EQ(key->port, c.port) << c.server;
    EXPECT_EQ(key->path_segments, c.path) << c.server;
    EXPECT_EQ(key->docker_hub, c.docker_hub) << c.server;
    EXPECT_EQ(key->wildcard_labels, c.wildcard_labels) << c.server;
    EXPECT_EQ(key->HostPort(), c.host_port) << c.server;
  }
}

TEST(ServerKeyTest, MaxLengthAccepted) {
  // 2048 characters: host + a long valid path.
  std::string server = "ghcr.io/";
  while (server.size() < kMaxServerLength) server += "a/";
  server.resize(kMaxServerLength);
  if (server.back() == '/') server.back() = 'b';
  EXPECT_TRUE(ParseServerKey(server).ok());
}

TEST(ServerKeyTest, Invalid) {
  struct Case {
    std::string server;
    std::string message_part;
  };
  std::string too_long = "ghcr.io/";
  while (too_long.size() < kMaxServerLength + 1) too_long += "a/";
  too_long.resize(kMaxServerLength + 1);
  too_long.back() = 'b';
  const Case cases[] = {
      {"", "required"},
      {"ftp://x", "scheme"},
      {"ssh://host", "scheme"},
      {"file:///etc/passwd", "scheme"},
      {"user@host", "user-info"},
      {"https://user:secret@ghcr.io", "user-info"},
      {"host?x=1", "query"},
      {"host/path?x=1", "query"},
      {"host/?", "query"},
      {"host#frag", "fragment"},
      {"host/a#b", "fragment"},
      {"host:0", "port"},
      {"host:65536", "port"},
      {"host:99999", "port"},
      {"host:abc", "port"},
      {"host:", "port"},
      {"host:05000", "port"},
      {"host:5000:1", "`:`"},
      {"::1", "`:`"},
      {"gh cr.io", "whitespace"},
      {" ghcr.io", "whitespace"},
      {"ghcr.io\n", "whitespace"},
      {"ghcr.io\t/x", "whitespace"},
      {std::string("ghcr.io\0x", 9), "control"},
      {"ghcr.io\x7f", "control"},
      {too_long, "2048"},
      {"a..b", "label 2 is empty"},
      {".ghcr.io", "label 1 is empty"},
      {"ghcr.io.", "label 3 is empty"},
      {"https://", "host"},
      {"/team", "host"},
      {"ghcr.io/Team", "path segment 1"},
      {"ghcr.io/team/App", "path segment 2"},
      {"ghcr.io/-team", "path segment"},
      {"ghcr.io/team-", "path segment"},
      {"ghcr.io/a..b", "path segment"},
      {"ghcr.io/a___b", "path segment"},
      {"ghcr.io/a%20b", "path segment"},
      {"ghcr.io/a:b", "path segment"},
      {"-ghcr.io", "`-`"},
      {"ghcr-.io", "`-`"},
      {"gh_cr.io", "label 1"},
      {"g\xc3\xa9.io", "label 1"},
      {std::string(64, 'a') + ".io", "63"},
      {std::string(127, 'a') + "." + std::string(127, 'b'), "253"},
      {"[::1", "IPv6"},
      {"[not-ipv6]", "IPv6"},
      {"[]", "IPv6"},
      {"[::1]x", "port"},
      {"[::1]:0", "port"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ServerKey> key = ParseServerKey(c.server);
    ASSERT_FALSE(key.ok()) << c.server;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << c.server;
    EXPECT_THAT(std::string(key.status().message()), ::testing::HasSubstr(c.message_part))
        << c.server;
  }
}

TEST(ServerKeyTest, ErrorNeverEchoesUserInfo) {
  absl::StatusOr<ServerKey> key = ParseServerKey("https://bob:hunter2@ghcr.io");
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(std::string(key.status().message()), ::testing::Not(::testing::HasSubstr("hunter2")));
}

}  // namespace
}  // namespace registry::core
