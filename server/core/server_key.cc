// ParseServerKey: scheme, authority (host, port) and path of a registry server.
#include "server/core/server_key.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/core/docker_path.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {
namespace {

constexpr size_t kMaxHostLength = 253;
constexpr size_t kMaxLabelLength = 63;

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("server ", ToAbsl(message)));
}

bool IsSchemeChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

bool IsLabelChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '*' || c == '?';
}

// Strips an http:// or https:// scheme; fails on any other scheme.
absl::StatusOr<std::string_view> StripScheme(std::string_view s) {
  const size_t pos = s.find("://");
  if (pos == std::string_view::npos) return s;
  std::string_view scheme = s.substr(0, pos);
  bool looks_like_scheme =
      !scheme.empty() && absl::ascii_isalpha(static_cast<unsigned char>(scheme[0]));
  for (char c : scheme) looks_like_scheme = looks_like_scheme && IsSchemeChar(c);
  if (!looks_like_scheme) return s;  // "://" inside the path: rejected there.
  if (!absl::EqualsIgnoreCase(ToAbsl(scheme), "https") &&
      !absl::EqualsIgnoreCase(ToAbsl(scheme), "http")) {
    return Invalid("scheme must be https:// or http:// (or omitted)");
  }
  return s.substr(pos + 3);
}

absl::Status ParsePort(std::string_view port, ServerKey& key) {
  if (port.empty() || port.size() > 5 || port[0] == '0') {
    return Invalid("port must be a decimal number 1-65535 without leading zeros");
  }
  int value = 0;
  for (char c : port) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Invalid("port must be a decimal number 1-65535 without leading zeros");
    }
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return Invalid("port must be a decimal number 1-65535");
  key.port = std::string(port);
  return absl::OkStatus();
}

absl::Status ParseIpv6Host(std::string_view literal, ServerKey& key) {
  // literal includes the brackets.
  std::string inner(literal.substr(1, literal.size() - 2));
  in6_addr addr;
  if (inner.empty() || inner.size() > INET6_ADDRSTRLEN ||
      inet_pton(AF_INET6, inner.c_str(), &addr) != 1) {
    return Invalid("host is not a valid [IPv6] literal");
  }
  key.host_labels.push_back(absl::AsciiStrToLower(ToAbsl(literal)));
  return absl::OkStatus();
}

absl::Status ParseDnsHost(std::string_view host, ServerKey& key) {
  if (host.empty()) return Invalid("must name a host");
  if (host.size() > kMaxHostLength) return Invalid("host must be at most 253 characters");
  int index = 0;
  for (absl::string_view label : absl::StrSplit(ToAbsl(host), '.')) {
    ++index;
    if (label.empty()) {
      return Invalid(absl::StrCat("host label ", index, " is empty"));
    }
    if (label.size() > kMaxLabelLength) {
      return Invalid(absl::StrCat("host label ", index, " is longer than 63 characters"));
    }
    for (char c : label) {
      if (!IsLabelChar(c)) {
        return Invalid(absl::StrCat("host label ", index,
                                    " may only contain letters, digits, `-` and the "
                                    "wildcards `*` and `?`"));
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return Invalid(absl::StrCat("host label ", index, " must not start or end with `-`"));
    }
    std::string lower = absl::AsciiStrToLower(label);
    if (lower.find_first_of("*?") != std::string::npos) ++key.wildcard_labels;
    key.host_labels.push_back(std::move(lower));
  }
  return absl::OkStatus();
}

absl::Status ParseAuthority(std::string_view authority, ServerKey& key) {
  if (authority.find('@') != std::string_view::npos) {
    return Invalid(
        "must not contain user-info (`user@`); put credentials in the credential fields");
  }
  // `?` is a wildcard inside host labels, so `host?x=1` is told apart by what follows it.
  if (const size_t q = authority.find('?');
      q != std::string_view::npos && authority.find_first_of("=&", q) != std::string_view::npos) {
    return Invalid(
        "must not contain a query (`?` is only allowed as a one-character wildcard inside "
        "host labels)");
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("host has an unterminated [IPv6] literal");
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Invalid("must have only a :port after an [IPv6] host");
      has_port = true;
      port = rest.substr(1);
    }
    if (absl::Status s = ParseIpv6Host(host, key); !s.ok()) return s;
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
      if (port.find(':') != std::string_view::npos) {
        return Invalid("has more than one `:`; IPv6 hosts must be written in [brackets]");
      }
    }
    if (absl::Status s = ParseDnsHost(host, key); !s.ok()) return s;
  }
  if (has_port) return ParsePort(port, key);
  return absl::OkStatus();
}

absl::Status ParsePath(std::string_view path, ServerKey& key) {
  if (path.find('?') != std::string_view::npos) return Invalid("must not contain a query (`?`)");
  std::vector<absl::string_view> segments = absl::StrSplit(ToAbsl(path), '/', absl::SkipEmpty());
  size_t first = 0;
  if (!segments.empty() && (segments[0] == "v1" || segments[0] == "v2")) first = 1;
  for (size_t i = first; i < segments.size(); ++i) {
    if (!IsDockerPathComponent(ToStd(segments[i]))) {
      return Invalid(absl::StrCat("path segment ", i + 1,
                                  " must be a Docker path component: lowercase letters and digits, "
                                  "separated by `.`, `_`, `__` or `-`"));
    }
    key.path_segments.emplace_back(segments[i]);
  }
  return absl::OkStatus();
}

void CanonicalizeDockerHub(ServerKey& key) {
  if (!key.port.empty()) return;
  const std::string host = absl::StrJoin(key.host_labels, ".");
  if (host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io") {
    key.docker_hub = true;
    key.host_labels = {"docker", "io"};
  }
}

}  // namespace

std::string ServerKey::HostPort() const {
  std::string out = absl::StrJoin(host_labels, ".");
  if (!port.empty()) absl::StrAppend(&out, ":", port);
  return out;
}

absl::StatusOr<ServerKey> ParseServerKey(std::string_view server) {
  if (server.empty()) return Invalid("is required");
  if (server.size() > kMaxServerLength) return Invalid("must be at most 2048 characters");
  for (char c : server) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Invalid("must not contain whitespace or control characters");
  }
  if (server.find('#') != std::string_view::npos)
    return Invalid("must not contain a fragment (`#`)");
  absl::StatusOr<std::string_view> rest = StripScheme(server);
  if (!rest.ok()) return rest.status();
  const size_t slash = rest->find('/');
  std::string_view authority = rest->substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest->substr(slash);

  ServerKey key;
  if (absl::Status s = ParseAuthority(authority, key); !s.ok()) return s;
  if (absl::Status s = ParsePath(path, key); !s.ok()) return s;
  CanonicalizeDockerHub(key);
  return key;
}

}  // namespace registry::core
