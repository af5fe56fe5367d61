// Parsing and formatting of owner and registry resource names and storage keys.
#include "server/core/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {
namespace {

constexpr std::string_view kUsersPrefix = "users/";
constexpr std::string_view kGroupsCollection = "groups";
constexpr std::string_view kRegistriesSegment = "/registries/";

absl::Status BadName(std::string_view field, std::string description) {
  return InvalidArgumentError({FieldViolation{std::string(field), std::move(description)}});
}

std::string_view CollectionOf(OwnerName::Kind kind) {
  return kind == OwnerName::Kind::kUser ? "users" : kGroupsCollection;
}

}  // namespace

std::string OwnerName::ToString() const {
  return absl::StrCat(ToAbsl(CollectionOf(kind)), "/", id);
}

std::string RegistryName::ToString() const {
  if (global) return std::string(kGlobalRegistryName);
  return absl::StrCat(owner.ToString(), ToAbsl(kRegistriesSegment), registry_id);
}

bool IsValidUserId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

bool IsValidRegistryId(std::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  if (!absl::ascii_islower(static_cast<unsigned char>(id.front()))) return false;
  if (id.back() == '-') return false;
  for (char c : id) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<OwnerName> ParseOwnerName(std::string_view parent, std::string_view field) {
  if (parent.empty()) return BadName(field, "is required (users/{user})");
  if (!parent.starts_with(kUsersPrefix)) {
    return BadName(field, "must have the form users/{user}");
  }
  std::string_view id = parent.substr(kUsersPrefix.size());
  if (!IsValidUserId(id)) {
    return BadName(field,
                   "must have the form users/{user} with a user id of 1-128 characters "
                   "[A-Za-z0-9._@-] (not \".\" or \"..\")");
  }
  return OwnerName{OwnerName::Kind::kUser, std::string(id)};
}

absl::StatusOr<RegistryName> ParseRegistryName(std::string_view name, std::string_view field) {
  if (name.empty()) return BadName(field, "is required");
  if (name == kGlobalRegistryName) {
    return RegistryName{OwnerName{}, "docker-hub", /*global=*/true};
  }
  constexpr std::string_view kForm =
      "must have the form users/{user}/registries/{registry} or be registries/docker-hub";
  const size_t pos = name.find(kRegistriesSegment);
  if (!name.starts_with(kUsersPrefix) || pos == std::string_view::npos) {
    return BadName(field, std::string(kForm));
  }
  std::string_view user = name.substr(kUsersPrefix.size(), pos - kUsersPrefix.size());
  std::string_view id = name.substr(pos + kRegistriesSegment.size());
  if (!IsValidUserId(user)) {
    return BadName(field, absl::StrCat(ToAbsl(kForm), "; the user id must be 1-128 characters ",
                                       "[A-Za-z0-9._@-] (not \".\" or \"..\")"));
  }
  if (!IsValidRegistryId(id)) {
    return BadName(field, absl::StrCat(ToAbsl(kForm), "; the registry id must be 1-63 characters ",
                                       "[a-z]([a-z0-9-]*[a-z0-9])?"));
  }
  return RegistryName{OwnerName{OwnerName::Kind::kUser, std::string(user)}, std::string(id),
                      /*global=*/false};
}

std::string RegistryKeyPrefix(const OwnerName& owner) {
  return absl::StrCat("r/", owner.ToString(), "/");
}

std::string RegistryKey(const OwnerName& owner, std::string_view registry_id) {
  return absl::StrCat(RegistryKeyPrefix(owner), ToAbsl(registry_id));
}

}  // namespace registry::core
