// Table-driven tests for MatchServer, LabelMatches and TriedBefore (issue 3,
// "Matching": wildcards, ports, path segments, Docker Hub aliases, ordering).
#include "server/core/matching.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/image_key.h"
#include "server/core/image_reference.h"
#include "server/core/server_key.h"

namespace registry::core {
namespace {

using ::testing::ElementsAre;

ServerKey Server(const std::string& server) {
  absl::StatusOr<ServerKey> key = ParseServerKey(server);
  EXPECT_TRUE(key.ok()) << server << ": " << key.status();
  return key.ok() ? *key : ServerKey{};
}

ImageKey Image(const std::string& image) {
  absl::StatusOr<ImageReference> ref = ParseImageReference(image);
  EXPECT_TRUE(ref.ok()) << image << ": " << ref.status();
  return ref.ok() ? ImageKeyOf(*ref) : ImageKey{};
}

TEST(MatchingTest, LabelMatches) {
  struct Case {
    std::string pattern;
    std::string label;
    bool matches;
  };
  const Case cases[] = {
      {"", "", true},
      {"", "a", false},
      {"a", "", false},
      {"eu", "eu", true},
      {"eu", "us", false},
      {"eu", "eux", false},
      {"EU", "eu", true},
      {"eu", "EU", true},
      {"*", "", true},
      {"*", "anything-at-all", true},
      {"**", "x", true},
      {"a*c", "abc", true},
      {"a*c", "ac", true},
      {"a*c", "abbbbc", true},
      {"a*c", "ab", false},
      {"a*c", "abcd", false},
      {"*-docker", "europe-docker", true},
      {"*-docker", "-docker", true},
      {"*-docker", "europe-dockers", false},
      {"*-docker", "docker", false},
      {"*a*b*", "xaybz", true},
      {"*a*b", "xaybz", false},
      {"*ab", "aab", true},
      {"?", "a", true},
      {"?", "", false},
      {"?", "ab", false},
      {"??", "a", false},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"registry?", "registry1", true},
      {"registry?", "registry12", false},
      {"?*", "", false},
      {"?*", "x", true},
      {"[::1]", "[::1]", true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(LabelMatches(c.pattern, c.label), c.matches)
        << "pattern \"" << c.pattern << "\" label \"" << c.label << "\"";
  }
}

TEST(MatchingTest, MatchServer) {
  struct Case {
    std::string server;
    std::string image;
    bool matched;
    std::string reason;
  };
  const std::string digest = "@sha256:" + std::string(64, 'a');
  const Case cases[] = {
      // Wildcards: `*` within one label, label counts must agree.
      {"*.gcr.io", "eu.gcr.io/proj/app", true, "matched"},
      {"*.gcr.io", "gcr.io/proj/app", false, "host has 2 labels, registry 3"},
      {"*.gcr.io", "a.b.gcr.io/proj/app", false, "host has 4 labels, registry 3"},
      {"*.gcr.io", "eu.gcr.com/proj/app", false, "host label 3 \"com\" does not match \"io\""},
      {"*-docker.pkg.dev", "europe-docker.pkg.dev/p/r/i", true, "matched"},
      {"*-docker.pkg.dev", "europe.pkg.dev/p/i", false,
       "host label 1 \"europe\" does not match \"*-docker\""},
      {"*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app", true,
       "matched"},
      {"*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr.amazonaws.com/app", false,
       "host has 5 labels, registry 6"},
      {"*.*", "ghcr.io/x", true, "matched"},
      {"*", "localhost/foo", true, "matched"},
      {"registry?.example.com", "registry1.example.com/a", true, "matched"},
      {"registry?.example.com", "registry12.example.com/a", false,
       "host label 1 \"registry12\" does not match \"registry?\""},
      {"registry?.example.com", "registry.example.com/a", false,
       "host label 1 \"registry\" does not match \"registry?\""},
      // Case-insensitive hosts.
      {"GHCR.IO", "ghcr.io/x", true, "matched"},
      {"ghcr.io", "GHCR.io/x", true, "matched"},
      {"*.GCR.io", "EU.gcr.IO/x", true, "matched"},
      // Ports: exact, none equals none only.
      {"host.example:5000", "host.example:5000/x", true, "matched"},
      {"host.example:5000", "host.example/x", false, "port differs: image none, registry 5000"},
      {"host.example", "host.example:5000/x", false, "port differs: image 5000, registry none"},
      {"host.example:5000", "host.example:5001/x", false,
       "port differs: image 5001, registry 5000"},
      {"localhost:5000", "localhost:5000/foo", true, "matched"},
      {"http://localhost:5000/v2/", "localhost:5000/foo", true, "matched"},
      {"[::1]:5000", "[::1]:5000/foo", true, "matched"},
      {"[::1]:5000", "[::2]:5000/foo", false, "host label 1 \"[::2]\" does not match \"[::1]\""},
      // Paths: whole segments, registry path a prefix of the image path.
      {"ghcr.io/team", "ghcr.io/team/app", true, "matched"},
      {"ghcr.io/team", "ghcr.io/team", true, "matched"},
      {"ghcr.io/team/", "ghcr.io/team/app/sub:1" + digest, true, "matched"},
      {"ghcr.io/team", "ghcr.io/teammate/app", false, "path /teammate/app is not under /team"},
      {"ghcr.io/team/app/extra", "ghcr.io/team/app", false,
       "path /team/app is not under /team/app/extra"},
      {"ghcr.io/team/app", "ghcr.io/other/app", false, "path /other/app is not under /team/app"},
      // Docker Hub aliases on both sides.
      {"https://index.docker.io/v1/", "nginx", true, "matched"},
      {"https://index.docker.io/v1/", "docker.io/x/y", true, "matched"},
      {"https://index.docker.io/v1/", "index.docker.io/x/y", true, "matched"},
      {"registry-1.docker.io", "docker.io/x/y", true, "matched"},
      {"docker.io", "registry-1.docker.io/x", true, "matched"},
      {"docker.io/library", "nginx", true, "matched"},
      {"docker.io/bitnami", "bitnami/redis", true, "matched"},
      {"docker.io/bitnami", "nginx", false, "path /library/nginx is not under /bitnami"},
      {"https://index.docker.io/v1/", "ghcr.io/x", false,
       "host label 1 \"ghcr\" does not match \"docker\""},
      {"docker.io:443", "nginx", false, "port differs: image none, registry 443"},
      // Tag and digest play no part.
      {"ghcr.io/team", "ghcr.io/team/app:1.0" + digest, true, "matched"},
  };
  for (const Case& c : cases) {
    const MatchOutcome outcome = MatchServer(Server(c.server), Image(c.image));
    EXPECT_EQ(outcome.matched, c.matched) << c.server << " vs " << c.image;
    EXPECT_EQ(outcome.reason, c.reason) << c.server << " vs " << c.image;
    EXPECT_EQ(ServerMatches(Server(c.server), Image(c.image)), c.matched)
        << c.server << " vs " << c.image;
  }
}

MatchCandidate Candidate(const std::string& name, const std::string& server, int64_t created) {
  return {name, Server(server), created};
}

TEST(MatchingTest, TriedBeforeRules) {
  struct Case {
    MatchCandidate first;
    MatchCandidate second;
    std::string rule;
  };
  const Case cases[] = {
      // More path segments beat fewer wildcards, earlier creation and name.
      {Candidate("z", "*.*/team/app", 9), Candidate("a", "ghcr.io/team", 1), "path"},
      {Candidate("z", "*.io/team", 9), Candidate("a", "ghcr.io", 1), "path"},
      // Fewer wildcard labels beat earlier creation and name.
      {Candidate("z", "ghcr.io/team", 9), Candidate("a", "*.io/team", 1), "wildcards"},
      {Candidate("z", "*.gcr.io", 9), Candidate("a", "*.*.io", 1), "wildcards"},
      {Candidate("z", "registry?.example.com", 9), Candidate("a", "*.*.com", 1), "wildcards"},
      // Earlier creation beats name.
      {Candidate("z", "ghcr.io", 1), Candidate("a", "ghcr.io", 2), "created"},
      {Candidate("z", "ghcr.io", -5), Candidate("a", "ghcr.io", 0), "created"},
      // Name breaks the last tie.
      {Candidate("users/u/registries/a", "ghcr.io", 1),
       Candidate("users/u/registries/b", "ghcr.io", 1), "name"},
  };
  for (const Case& c : cases) {
    EXPECT_TRUE(TriedBefore(c.first, c.second)) << c.rule;
    EXPECT_FALSE(TriedBefore(c.second, c.first)) << c.rule;
  }
  const MatchCandidate same = Candidate("a", "ghcr.io", 1);
  EXPECT_FALSE(TriedBefore(same, same));
}

TEST(MatchingTest, SortsMostSpecificFirst) {
  std::vector<MatchCandidate> candidates = {
      Candidate("wild", "*.io", 1),
      Candidate("plain-b", "ghcr.io", 5),
      Candidate("team", "ghcr.io/team", 7),
      Candidate("plain-a", "ghcr.io", 5),
      Candidate("team-app", "ghcr.io/team/app", 9),
      Candidate("plain-early", "https://ghcr.io/v2/", 3),
      Candidate("wild-team", "*.io/team", 0),
  };
  std::sort(candidates.begin(), candidates.end(), TriedBefore);
  std::vector<std::string> names;
  for (const MatchCandidate& c : candidates) names.push_back(c.name);
  EXPECT_THAT(names, ElementsAre("team-app", "team", "wild-team", "plain-early", "plain-a",
                                 "plain-b", "wild"));
}

}  // namespace
}  // namespace registry::core
