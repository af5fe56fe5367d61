// A registry's `server` string parsed into the key that image references are
// matched against (issue 3, "Registry servers as match keys"):
//   [http:// | https://] host [:port] [/path...]
// e.g. "https://index.docker.io/v1/" (Docker Hub, no path), "ghcr.io",
// "registry.example.com:5000/team", "*.gcr.io", "*.dkr.ecr.*.amazonaws.com".
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace registry::core {

// The match key of a registry server.
struct ServerKey {
  // Lowercased, dot-separated host labels; may contain `*` (any run within the
  // label) and `?` (one character) wildcards. An IPv6 literal is one label
  // including its brackets ("[::1]"). Docker Hub is always {"docker", "io"}.
  std::vector<std::string> host_labels;
  // Decimal port without leading zeros (1-65535), or empty when none was given.
  std::string port;
  // Path segments after dropping empty segments and a leading "v1"/"v2";
  // each is a valid Docker path component.
  std::vector<std::string> path_segments;
  // True for docker.io, index.docker.io and registry-1.docker.io without a port.
  bool docker_hub = false;
  // Number of host labels containing `*` or `?`.
  int wildcard_labels = 0;

  // Returns "host" or "host:port" (labels joined by '.').
  std::string HostPort() const;

  friend bool operator==(const ServerKey&, const ServerKey&) = default;
};

// Maximum length of a server string.
inline constexpr size_t kMaxServerLength = 2048;

// Parses `server` into its match key. On failure returns INVALID_ARGUMENT whose
// message says which rule failed (without echoing the input, which might hold
// pasted credentials) and carries no field: callers attach the field.
absl::StatusOr<ServerKey> ParseServerKey(std::string_view server);

}  // namespace registry::core
