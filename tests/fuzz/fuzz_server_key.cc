// Fuzzes ParseServerKey (server/core/server_key.h) with the whole input as the server string.
// Invariants (abort on violation):
// - a parsed key has at least one host label and never an empty one; DNS labels are lowercase,
//   1-63 of [a-z0-9-*?] not starting or ending with '-', an IPv6 literal is one "[...]" label;
// - wildcard_labels counts the labels holding '*' or '?'; docker_hub means {"docker","io"}
//   and no port; the port is 1-65535 without leading zeros; path segments are non-empty;
// - re-parsing the canonical form (HostPort() and the path segments) yields the same key;
// - a refusal is INVALID_ARGUMENT with a printable message that never echoes the input (a "~~"
//   canary in the input never shows up in the message).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/core/server_key.h"

namespace {

using ::registry::core::ParseServerKey;
using ::registry::core::ServerKey;

void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_server_key: invariant violated: %s (input %zu bytes)\n", what,
               input.size());
  std::abort();
}

bool ValidDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '*' || c == '?';
    if (!ok) return false;
  }
  return true;
}

bool ValidPort(std::string_view port) {
  if (port.empty()) return true;
  if (port.size() > 5 || port[0] == '0') return false;
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value >= 1 && value <= 65535;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ServerKey> key = ParseServerKey(input);
  if (!key.ok()) {
    Check(key.status().code() == absl::StatusCode::kInvalidArgument,
          "refusal is not INVALID_ARGUMENT", input);
    const std::string_view message(key.status().message().data(), key.status().message().size());
    for (char c : message) Check(c >= 0x20 && c <= 0x7e, "error message not printable", input);
    // Servers may hold pasted credentials: messages never quote them. No message text contains
    // "~~" (and no server may), so a "~~" in a message came from the input. (Searching the
    // message for the input itself would let libFuzzer copy message text into the input.)
    Check(message.find("~~") == std::string_view::npos, "error message echoes the input", input);
    return 0;
  }
  Check(!key->host_labels.empty(), "no host labels", input);
  int wildcards = 0;
  for (const std::string& label : key->host_labels) {
    Check(!label.empty(), "empty host label", input);
    if (label.front() == '[') {
      Check(key->host_labels.size() == 1 && label.back() == ']', "malformed IPv6 label", input);
      continue;
    }
    Check(ValidDnsLabel(label), "invalid DNS label accepted", input);
    if (label.find_first_of("*?") != std::string::npos) ++wildcards;
  }
  Check(wildcards == key->wildcard_labels, "wildcard_labels miscounted", input);
  Check(ValidPort(key->port), "invalid port accepted", input);
  if (key->docker_hub) {
    Check(key->port.empty() && key->host_labels.size() == 2 && key->host_labels[0] == "docker" &&
              key->host_labels[1] == "io",
          "docker_hub key is not docker.io without port", input);
  }
  for (const std::string& segment : key->path_segments) {
    Check(!segment.empty() && segment.find('/') == std::string::npos, "bad path segment", input);
  }

  std::string canonical = key->HostPort();
  // A leading "v1"/"v2" segment is dropped when parsing, so one that survived must be escaped by
  // an explicit "/v1/"; otherwise "/" keeps the canonical form no longer than the input.
  if (!key->path_segments.empty()) {
    const std::string& first = key->path_segments.front();
    absl::StrAppend(&canonical, first == "v1" || first == "v2" ? "/v1/" : "/",
                    absl::StrJoin(key->path_segments, "/"));
  }
  Check(canonical.size() <= input.size(), "canonical form longer than the input", input);
  absl::StatusOr<ServerKey> again = ParseServerKey(canonical);
  Check(again.ok(), "canonical form does not re-parse", input);
  Check(*again == *key, "canonical form re-parses to a different key", input);
  return 0;
}
