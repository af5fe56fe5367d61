// Container image references in Docker's grammar (issue 3, "Image references"),
// exactly as distribution/reference v0.6 ParseNormalizedNamed + Parse read them:
//   reference := name [":" tag] ["@" digest]
//   name      := [domain "/"] path
// e.g. "nginx" → docker.io/library/nginx:latest, "ghcr.io/team/app:1.2",
// "localhost:5000/foo", "[::1]:5000/foo", "ubuntu@sha256:<64 hex>".
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace registry::core {

// Domain of images that name none (Docker Hub).
inline constexpr std::string_view kDockerHubDomain = "docker.io";
// Maximum length of an image's path (after "library/" is added), in bytes.
inline constexpr size_t kMaxImagePathLength = 255;
// Maximum length of a tag.
inline constexpr size_t kMaxTagLength = 128;

// A parsed, normalized image reference.
struct ImageReference {
  // As written, except "index.docker.io" becomes "docker.io"; "docker.io" when
  // the image names no domain. Not lowercased ("Example.com" stays).
  std::string domain;
  // Slash-separated path components, e.g. "library/nginx" ("library/" is added
  // for one-component paths on domain "docker.io").
  std::string path;
  // Tag without ':'; empty when absent.
  std::string tag;
  // "sha256:<64 lowercase hex>" or "sha512:<128 lowercase hex>"; empty when absent.
  std::string digest;

  // Returns domain/path[:tag][@digest], with ":latest" added only when neither
  // tag nor digest is given: "docker.io/library/nginx:latest".
  std::string Normalized() const;

  friend bool operator==(const ImageReference&, const ImageReference&) = default;
};

// Parses `image` (the whole string, no trimming) in Docker's grammar:
// - path components are lowercase [a-z0-9]+ runs joined by one separator
//   (`.`, `_`, `__`, or one or more `-`), components joined by `/`;
// - tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127};
// - digest is sha256:<64 lowercase hex> or sha512:<128 lowercase hex>;
// - the first `/`-separated segment is the domain only if there is a `/` and the
//   segment is "localhost", contains `.` or `:`, or has an uppercase letter; a
//   domain is a DNS-style host (letters of either case, digits, inner `-`,
//   dot-separated components) or an [IPv6] literal, with an optional :port
//   (digits);
// - "index.docker.io" becomes "docker.io"; a one-component path on docker.io
//   gets "library/"; the path is then at most 255 characters;
// - a bare 64-character lowercase hex string (an image ID) is refused.
// On failure returns INVALID_ARGUMENT whose message quotes the image (images
// are not secrets; control characters are escaped, long images truncated) and
// says which rule failed, e.g. "repository name must be lowercase", "invalid
// tag", "unsupported digest algorithm", "cannot be a 64-character hex image ID",
// "path longer than 255 characters". The status carries no field: callers
// attach `images[i]`.
absl::StatusOr<ImageReference> ParseImageReference(std::string_view image);

}  // namespace registry::core
