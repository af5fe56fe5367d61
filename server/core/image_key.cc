// ImageKeyOf: domain → host labels and port, path → segments.
#include "server/core/image_key.h"

#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {

std::string ImageKey::HostPort() const {
  std::string out = absl::StrJoin(host_labels, ".");
  if (!port.empty()) absl::StrAppend(&out, ":", port);
  return out;
}

ImageKey ImageKeyOf(const ImageReference& reference) {
  ImageKey key;
  const std::string domain = absl::AsciiStrToLower(reference.domain);
  std::string_view host = domain;
  // The port follows the first ':' after the host (after the ']' of an [IPv6] literal).
  const size_t close = host.rfind(']');
  const size_t colon = host.find(':', close == std::string_view::npos ? 0 : close);
  if (colon != std::string_view::npos) {
    key.port = std::string(host.substr(colon + 1));
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.front() == '[') {
    key.host_labels.emplace_back(host);
  } else {
    key.host_labels = absl::StrSplit(ToAbsl(host), '.');
  }
  if (key.port.empty() &&
      (host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io")) {
    key.docker_hub = true;
    key.host_labels = {"docker", "io"};
  }
  key.path_segments = absl::StrSplit(reference.path, '/');
  return key;
}

}  // namespace registry::core
