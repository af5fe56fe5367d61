// Resource names of the registry API (AIP-122) and the storage keys derived
// from them:
//   owner:    users/{user} or groups/{group}
//   registry: {owner}/registries/{registry_id}, or the global registries/docker-hub
//   storage:  r/{owner}/{registry_id}  (prefix r/{owner}/ lists one owner)
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace registry::core {

// Name of the immutable global Docker Hub default registry.
inline constexpr std::string_view kGlobalRegistryName = "registries/docker-hub";

// The owner of registries: a user, or a group whose members (token `groups` claim) share them.
struct OwnerName {
  enum class Kind { kUser, kGroup };
  Kind kind = Kind::kUser;
  std::string id;

  // Returns the resource name, e.g. "users/alice".
  std::string ToString() const;

  friend bool operator==(const OwnerName&, const OwnerName&) = default;
};

// Parses `users/{user}` or `groups/{group}` (ids: 1-128 of [A-Za-z0-9._@-], not "." or "..").
// Anything else (empty, extra or missing segments, trailing slash, invalid id) is
// INVALID_ARGUMENT with a BadRequest violation on `field`.
absl::StatusOr<OwnerName> ParseOwnerName(std::string_view parent, std::string_view field);

// A registry's resource name. For the global default, `global` is true,
// `registry_id` is "docker-hub" and `owner` is empty.
struct RegistryName {
  OwnerName owner;
  std::string registry_id;
  bool global = false;

  // Returns the resource name: "users/alice/registries/ghcr" or kGlobalRegistryName.
  std::string ToString() const;

  friend bool operator==(const RegistryName&, const RegistryName&) = default;
};

// Parses `{owner}/registries/{registry_id}` or exactly kGlobalRegistryName
// (global = true). Anything else is INVALID_ARGUMENT with a violation on `field`.
absl::StatusOr<RegistryName> ParseRegistryName(std::string_view name, std::string_view field);

// True iff `id` is 1-63 characters matching `[a-z]([a-z0-9-]*[a-z0-9])?`.
bool IsValidRegistryId(std::string_view id);

// True iff `id` is 1-128 characters of `[A-Za-z0-9._@-]` and neither "." nor "..".
bool IsValidUserId(std::string_view id);

// Returns the storage key prefix of every registry of `owner`: "r/users/alice/".
// User and registry ids contain no '/', so prefixes of different owners never nest.
std::string RegistryKeyPrefix(const OwnerName& owner);

// Returns the storage key of one registry: "r/users/alice/<registry_id>".
std::string RegistryKey(const OwnerName& owner, std::string_view registry_id);

}  // namespace registry::core
