// Which registries answer for an image (issue 3, "Matching"): the kubelet
// credential-provider rules made precise, and the order in which matching
// registries are tried (most specific first).
// Pure functions, no I/O; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/core/image_key.h"
#include "server/core/server_key.h"

namespace registry::core {

// Whether a registry matched an image, and why (for `explain`).
struct MatchOutcome {
  bool matched = false;
  // "matched", or the first rule that failed, e.g.
  // "port differs: image 5000, registry none", "host has 3 labels, registry 2",
  // "host label 1 \"eu\" does not match \"*-docker\"",
  // "path /teammate/app is not under /team".
  std::string reason;
};

// Returns whether `registry` answers for `image`. All must hold, checked in
// this order:
// - ports equal (none on both sides is equal; "host" does not match "host:5000");
// - the same number of host labels;
// - each host label matches (LabelMatches, registry label as the pattern);
// - the registry's path segments are a prefix of the image's, whole segments
//   (ghcr.io/team matches ghcr.io/team/app, not ghcr.io/teammate/app).
// Tag and digest play no part. Docker Hub aliases are already folded into
// {"docker", "io"} on both sides.
MatchOutcome MatchServer(const ServerKey& registry, const ImageKey& image);
MatchOutcome MatchServer(const PackedServerKey& registry, const ImageKey& image);

// MatchServer(registry, image).matched, without the reason: allocates nothing (the resolve
// path's check; MatchServer is for `explain`).
bool ServerMatches(const ServerKey& registry, const ImageKey& image);
bool ServerMatches(const PackedServerKey& registry, const ImageKey& image);

// Glob of one host label, case-insensitive: `*` in `pattern` matches any run of
// characters (also none) and `?` exactly one; every other character matches
// itself. Never crosses label boundaries (labels contain no '.').
bool LabelMatches(std::string_view pattern, std::string_view label);

// A matching registry, as ordered by TriedBefore.
struct MatchCandidate {
  // Resource name of the registry ("users/alice/registries/ghcr").
  std::string name;
  ServerKey server;
  // Registry.create_time in nanoseconds since the Unix epoch.
  int64_t create_time_nanos = 0;
};

// What decides the order registries are tried in, compared field by field: more path segments
// first, then fewer wildcard labels, then earlier create time, then smaller name. Views into
// the candidate (or index entry) it was made from.
struct TryOrderKey {
  int64_t negated_path_segments = 0;
  int wildcard_labels = 0;
  int64_t create_time_nanos = 0;
  std::string_view name;
  bool operator<(const TryOrderKey& other) const;
};
TryOrderKey TryOrderOf(const MatchCandidate& candidate);

// True when `a` is tried before `b` (TryOrderKey). A strict weak ordering (total on distinct
// names), so sorting is deterministic.
bool TriedBefore(const MatchCandidate& a, const MatchCandidate& b);

}  // namespace registry::core
