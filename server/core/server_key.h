// A registry's `server` string parsed into the key that image references are
// matched against (issue 3, "Registry servers as match keys"):
//   [http:// | https://] host [:port] [/path...]
// e.g. "https://index.docker.io/v1/" (Docker Hub, no path), "ghcr.io",
// "registry.example.com:5000/team", "*.gcr.io", "*.dkr.ecr.*.amazonaws.com".
// Pure functions, no I/O; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Where one string sits in a buffer of packed strings.
struct TextPiece {
  uint32_t offset = 0;
  uint32_t length = 0;
};

// A list of strings packed into one buffer, by view: the buffer and the pieces must outlive it.
class PackedStrings {
 public:
  PackedStrings(std::string_view text, const TextPiece* pieces, size_t count)
      : text_(text.data()), pieces_(pieces), count_(count) {}
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string_view operator[](size_t i) const {
    return {text_ + pieces_[i].offset, pieces_[i].length};
  }

 private:
  const char* text_;
  const TextPiece* pieces_;
  size_t count_;
};

// The match fields of a ServerKey whose strings are packed elsewhere (the resolver's owner
// cache keeps registries this way, service/owner_index_cache.h); matching takes either form.
struct PackedServerKey {
  PackedStrings host_labels;
  std::string_view port;
  PackedStrings path_segments;
  bool docker_hub = false;
  int wildcard_labels = 0;
};

// Maximum length of a server string.
inline constexpr size_t kMaxServerLength = 2048;

// Parses `server` into its match key. On failure returns INVALID_ARGUMENT whose
// message says which rule failed (without echoing the input, which might hold
// pasted credentials) and carries no field: callers attach the field.
absl::StatusOr<ServerKey> ParseServerKey(std::string_view server);

}  // namespace registry::core
