// ParseImageReference: Docker's reference grammar without regular expressions.
// Every rule mirrors distribution/reference v0.6 (normalize.go splitDockerDomain
// and ParseNormalizedNamed, reference.go Parse, regexp.go) so that an image is
// read here exactly as `docker pull` and the kubelet read it.
#include "server/core/image_reference.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/core/docker_path.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {
namespace {

constexpr std::string_view kLegacyDockerHubDomain = "index.docker.io";
constexpr std::string_view kLocalhost = "localhost";
constexpr std::string_view kOfficialRepoPrefix = "library/";
constexpr std::string_view kDefaultTag = "latest";
// Longest prefix of an input quoted in an error message.
constexpr size_t kMaxQuotedLength = 256;

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

bool IsHex(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }

bool IsWordChar(char c) { return IsAlnum(c) || c == '_'; }

bool HasUpper(std::string_view s) {
  for (char c : s) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// `s` quoted for an error message: C-escaped, truncated, in double quotes.
std::string Quote(std::string_view s) {
  const bool truncated = s.size() > kMaxQuotedLength;
  if (truncated) s = s.substr(0, kMaxQuotedLength);
  return absl::StrCat("\"", absl::CHexEscape(ToAbsl(s)), truncated ? "...\"" : "\"");
}

// domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9].
bool IsDomainComponent(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

// host [":" port] where host is a domain name or "[" [a-fA-F0-9:]+ "]" and
// port is [0-9]+ (regexp.go domainAndPort).
bool IsDomain(std::string_view domain) {
  std::string_view rest;
  if (!domain.empty() && domain.front() == '[') {
    const size_t close = domain.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : domain.substr(1, close - 1)) {
      if (!IsHex(c) && c != ':') return false;
    }
    rest = domain.substr(close + 1);
  } else {
    const size_t colon = domain.find(':');
    const std::string_view host = domain.substr(0, colon);
    if (colon != std::string_view::npos) rest = domain.substr(colon);
    for (absl::string_view component : absl::StrSplit(ToAbsl(host), '.')) {
      if (!IsDomainComponent(ToStd(component))) return false;
    }
  }
  if (rest.empty()) return true;
  if (rest.front() != ':' || rest.size() == 1) return false;
  for (char c : rest.substr(1)) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool IsTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength || !IsWordChar(tag.front())) return false;
  for (char c : tag) {
    if (!IsWordChar(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsImageId(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

// Returns an empty string when `digest` is valid, otherwise the reason.
std::string DigestError(std::string_view digest) {
  const size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "invalid digest: must be <algorithm>:<hex>, e.g. sha256:<64 lowercase hex>";
  }
  const std::string_view algorithm = digest.substr(0, colon);
  const std::string_view hex = digest.substr(colon + 1);
  size_t want = 0;
  if (algorithm == "sha256") {
    want = 64;
  } else if (algorithm == "sha512") {
    want = 128;
  } else {
    return absl::StrCat("unsupported digest algorithm ", Quote(algorithm),
                        " (only sha256 and sha512)");
  }
  bool lower_hex = hex.size() == want;
  for (char c : hex) lower_hex = lower_hex && IsLowerHex(c);
  if (!lower_hex) {
    return absl::StrCat("invalid digest: ", ToAbsl(algorithm), " needs exactly ", want,
                        " lowercase hex characters");
  }
  return "";
}

struct DomainSplit {
  std::string domain;
  // path [":" tag] ["@" digest]; tag and digest contain no '/'.
  std::string remainder;
  // Length of the "library/" prefix added to `remainder` (0 when none was).
  size_t added_prefix = 0;
};

// Splits `name` into domain and the rest as normalize.go splitDockerDomain does.
DomainSplit SplitDockerDomain(std::string_view name) {
  const size_t slash = name.find('/');
  if (slash == std::string_view::npos) {
    return {std::string(kDockerHubDomain), absl::StrCat(ToAbsl(kOfficialRepoPrefix), ToAbsl(name)),
            kOfficialRepoPrefix.size()};
  }
  const std::string_view first = name.substr(0, slash);
  const std::string_view rest = name.substr(slash + 1);
  std::string domain;
  std::string remainder;
  if (first == kLegacyDockerHubDomain) {
    domain = std::string(kDockerHubDomain);
    remainder = std::string(rest);
  } else if (first == kLocalhost || first.find_first_of(".:") != std::string_view::npos ||
             HasUpper(first)) {
    domain = std::string(first);
    remainder = std::string(rest);
  } else {
    domain = std::string(kDockerHubDomain);
    remainder = std::string(name);
  }
  size_t added_prefix = 0;
  if (domain == kDockerHubDomain && remainder.find('/') == std::string::npos) {
    remainder = absl::StrCat(ToAbsl(kOfficialRepoPrefix), remainder);
    added_prefix = kOfficialRepoPrefix.size();
  }
  return {std::move(domain), std::move(remainder), added_prefix};
}

}  // namespace

std::string ImageReference::Normalized() const {
  std::string out = absl::StrCat(domain, "/", path);
  if (tag.empty() && digest.empty()) absl::StrAppend(&out, ":", ToAbsl(kDefaultTag));
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (!digest.empty()) absl::StrAppend(&out, "@", digest);
  return out;
}

absl::StatusOr<ImageReference> ParseImageReference(std::string_view image) {
  auto invalid = [&](std::string_view reason) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid image reference ", Quote(image), ": ", ToAbsl(reason)));
  };
  if (image.empty()) return invalid("must not be empty");
  if (IsImageId(image)) {
    return invalid("cannot be a 64-character hex image ID; name the repository");
  }

  DomainSplit split = SplitDockerDomain(image);
  // Path components contain neither ':' nor '@', tags contain no '@'.
  std::string_view rest = split.remainder;
  std::string_view digest;
  std::string_view tag;
  bool has_digest = false;
  bool has_tag = false;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    has_digest = true;
  }
  if (const size_t colon = rest.find(':'); colon != std::string_view::npos) {
    tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    has_tag = true;
  }
  const std::string_view path = rest;

  if (HasUpper(path)) return invalid("repository name must be lowercase");
  if (!IsDomain(split.domain)) {
    return invalid(absl::StrCat("invalid domain ", Quote(split.domain),
                                ": must be a host name (letters, digits, inner `-`, "
                                "dot-separated) or [IPv6], with an optional :port"));
  }
  if (path.size() == split.added_prefix) return invalid("repository path must not be empty");
  for (absl::string_view component : absl::StrSplit(ToAbsl(path), '/')) {
    if (component.empty()) {
      return invalid("path has an empty component (leading, trailing or double `/`)");
    }
    if (!IsDockerPathComponent(ToStd(component))) {
      return invalid(absl::StrCat("path component ", Quote(ToStd(component)),
                                  " is invalid: lowercase letters and digits separated by `.`, "
                                  "`_`, `__` or `-`"));
    }
  }
  if (path.size() > kMaxImagePathLength) {
    return invalid(absl::StrCat("path longer than ", kMaxImagePathLength, " characters"));
  }
  if (has_tag && !IsTag(tag)) {
    return invalid(
        absl::StrCat("invalid tag ", Quote(tag),
                     ": 1-128 of letters, digits, `_`, `.`, `-`, not starting with `.` or `-`"));
  }
  if (has_digest) {
    if (std::string error = DigestError(digest); !error.empty()) return invalid(error);
  }

  ImageReference reference;
  reference.domain = std::move(split.domain);
  reference.path = std::string(path);
  reference.tag = std::string(tag);
  reference.digest = std::string(digest);
  return reference;
}

}  // namespace registry::core
