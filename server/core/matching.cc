// MatchServer, LabelMatches and TriedBefore.
#include "server/core/matching.h"

#include <functional>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {
namespace {

std::string PortOrNone(std::string_view port) { return port.empty() ? "none" : std::string(port); }

template <typename Segments>
std::string PathString(const Segments& segments) {
  std::string path;
  for (size_t i = 0; i < segments.size(); ++i) absl::StrAppend(&path, "/", ToAbsl(segments[i]));
  return path.empty() ? "/" : path;
}

template <typename Segments>
bool IsPathPrefix(const Segments& prefix, const std::vector<std::string>& path) {
  if (prefix.size() > path.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] != path[i]) return false;
  }
  return true;
}

char Lower(char c) { return absl::ascii_tolower(static_cast<unsigned char>(c)); }

}  // namespace

bool LabelMatches(std::string_view pattern, std::string_view label) {
  // Iterative glob with single-star backtracking: linear in practice, never
  // worse than O(|pattern| * |label|).
  size_t p = 0;
  size_t l = 0;
  size_t star = std::string_view::npos;  // position of the last `*` seen
  size_t star_label = 0;                 // label position that `*` matched up to
  while (l < label.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_label = l;
    } else if (p < pattern.size() && (pattern[p] == '?' || Lower(pattern[p]) == Lower(label[l]))) {
      ++p;
      ++l;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      l = ++star_label;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

// The rules of MatchServer, in order. On the first that fails, hands `mismatch` a function that
// builds the reason, and returns false; a caller that needs no reason ignores it (and nothing is
// allocated).
// `Key` is a ServerKey or a PackedServerKey (the same fields, as strings or as views).
template <typename Key, typename OnMismatch>
bool MatchRules(const Key& registry, const ImageKey& image, OnMismatch mismatch) {
  if (registry.port != image.port) {
    mismatch([&] {
      return absl::StrCat("port differs: image ", PortOrNone(image.port), ", registry ",
                          PortOrNone(registry.port));
    });
    return false;
  }
  if (registry.host_labels.size() != image.host_labels.size()) {
    mismatch([&] {
      return absl::StrCat("host has ", image.host_labels.size(), " labels, registry ",
                          registry.host_labels.size());
    });
    return false;
  }
  for (size_t i = 0; i < registry.host_labels.size(); ++i) {
    if (!LabelMatches(registry.host_labels[i], image.host_labels[i])) {
      mismatch([&] {
        return absl::StrCat("host label ", i + 1, " \"", image.host_labels[i],
                            "\" does not match \"", ToAbsl(registry.host_labels[i]), "\"");
      });
      return false;
    }
  }
  if (!IsPathPrefix(registry.path_segments, image.path_segments)) {
    mismatch([&] {
      return absl::StrCat("path ", PathString(image.path_segments), " is not under ",
                          PathString(registry.path_segments));
    });
    return false;
  }
  return true;
}

template <typename Key>
MatchOutcome MatchServerKey(const Key& registry, const ImageKey& image) {
  MatchOutcome outcome;
  outcome.matched = MatchRules(registry, image, [&](auto reason) { outcome.reason = reason(); });
  if (outcome.matched) outcome.reason = "matched";
  return outcome;
}

}  // namespace

MatchOutcome MatchServer(const ServerKey& registry, const ImageKey& image) {
  return MatchServerKey(registry, image);
}

MatchOutcome MatchServer(const PackedServerKey& registry, const ImageKey& image) {
  return MatchServerKey(registry, image);
}

bool ServerMatches(const ServerKey& registry, const ImageKey& image) {
  return MatchRules(registry, image, [](auto) {});
}

bool ServerMatches(const PackedServerKey& registry, const ImageKey& image) {
  return MatchRules(registry, image, [](auto) {});
}

bool TryOrderKey::operator<(const TryOrderKey& other) const {
  return std::tie(negated_path_segments, wildcard_labels, create_time_nanos, name) <
         std::tie(other.negated_path_segments, other.wildcard_labels, other.create_time_nanos,
                  other.name);
}

TryOrderKey TryOrderOf(const MatchCandidate& candidate) {
  return {.negated_path_segments = -static_cast<int64_t>(candidate.server.path_segments.size()),
          .wildcard_labels = candidate.server.wildcard_labels,
          .create_time_nanos = candidate.create_time_nanos,
          .name = candidate.name};
}

bool TriedBefore(const MatchCandidate& a, const MatchCandidate& b) {
  return TryOrderOf(a) < TryOrderOf(b);
}

}  // namespace registry::core
