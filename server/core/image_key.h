// The image side of registry matching (issue 3, "Matching"): the parts of an
// ImageReference a registry's ServerKey is compared with, in the same
// canonical form as ServerKey (lowercased host labels, Docker Hub aliases
// folded into {"docker", "io"}).
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "server/core/image_reference.h"

namespace registry::core {

// The match key of an image.
struct ImageKey {
  // Lowercased, dot-separated labels of the image's domain. An IPv6 literal is
  // one label including its brackets ("[::1]"), as in ServerKey. docker.io,
  // index.docker.io and registry-1.docker.io without a port are {"docker", "io"}.
  std::vector<std::string> host_labels;
  // The port as written in the reference (digits), or empty when none.
  std::string port;
  // The reference's path split at '/': {"library", "nginx"}.
  std::vector<std::string> path_segments;
  // True for docker.io, index.docker.io and registry-1.docker.io (any case)
  // without a port.
  bool docker_hub = false;

  // Returns the lowercased "host" or "host:port" (labels joined by '.');
  // "docker.io" for Docker Hub.
  std::string HostPort() const;

  friend bool operator==(const ImageKey&, const ImageKey&) = default;
};

// Returns the match key of a reference returned by ParseImageReference.
ImageKey ImageKeyOf(const ImageReference& reference);

}  // namespace registry::core
