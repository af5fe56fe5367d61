// The authenticated caller: who it is (subject), what it may do (scopes), and which groups it
// belongs to. Produced by a TokenVerifier; consumed by the service layer's authorization checks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"

namespace registry::auth {

// Scope names carried in the token's space-separated `scope` claim (see DESIGN.md, "who calls it").
inline constexpr std::string_view kScopeRead = "registry.read";
inline constexpr std::string_view kScopeWrite = "registry.write";
inline constexpr std::string_view kScopeResolve = "credentials.resolve";
inline constexpr std::string_view kScopeAdmin = "registry.admin";

// A verified identity. A plain value: copyable, no invariants beyond what the verifier checked
// (subject is non-empty when produced by a TokenVerifier).
struct Principal {
  std::string subject;
  absl::flat_hash_set<std::string> scopes;
  std::vector<std::string> groups;
  // When the credential stops being valid (the token's exp, as JwtVerifier sets it). Caches keep
  // a verified Principal only while now < expires_at; the default, InfinitePast, means "unknown"
  // and is never cached. Authorization does not look at it.
  absl::Time expires_at = absl::InfinitePast();

  // True when `s` is one of the granted scopes (exact, case-sensitive match; no scope implies
  // another, so registry.admin does not grant registry.write).
  bool HasScope(std::string_view s) const;
  // True when `g` is one of the caller's groups (exact, case-sensitive match).
  bool InGroup(std::string_view g) const;
};

}  // namespace registry::auth
