// Parsing and formatting of owner and registry resource names and storage keys.
#include "server/core/names.h"

#include <optional>
#include <utility>

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

namespace {

constexpr std::string_view kGroupsPrefix = "groups/";
constexpr std::string_view kOwnerForm = "users/{user} or groups/{group}";
constexpr std::string_view kIdRule =
    "an id of 1-128 characters [A-Za-z0-9._@-] (not \".\" or \"..\")";

// Splits "users/{id}" or "groups/{id}" (the whole of `text`); nullopt when it is neither.
std::optional<OwnerName> SplitOwner(std::string_view text) {
  for (auto [prefix, kind] : {std::pair{kUsersPrefix, OwnerName::Kind::kUser},
                              std::pair{kGroupsPrefix, OwnerName::Kind::kGroup}}) {
    if (!text.starts_with(prefix)) continue;
    std::string_view id = text.substr(prefix.size());
    if (!IsValidUserId(id)) return std::nullopt;
    return OwnerName{kind, std::string(id)};
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<OwnerName> ParseOwnerName(std::string_view parent, std::string_view field) {
  if (parent.empty()) {
    return BadName(field, absl::StrCat("is required (", ToAbsl(kOwnerForm), ")"));
  }
  std::optional<OwnerName> owner = SplitOwner(parent);
  if (!owner.has_value()) {
    return BadName(
        field, absl::StrCat("must have the form ", ToAbsl(kOwnerForm), " with ", ToAbsl(kIdRule)));
  }
  return *std::move(owner);
}

absl::StatusOr<RegistryName> ParseRegistryName(std::string_view name, std::string_view field) {
  if (name.empty()) return BadName(field, "is required");
  if (name == kGlobalRegistryName) {
    return RegistryName{OwnerName{}, "docker-hub", /*global=*/true};
  }
  const std::string form = absl::StrCat("must have the form ", ToAbsl(kOwnerForm),
                                        "/registries/{registry} or be registries/docker-hub");
  // The last "/registries/": registry ids contain no '/', while an owner id may itself be
  // "registries" (users/registries/registries/x).
  const size_t pos = name.rfind(kRegistriesSegment);
  if (pos == std::string_view::npos) return BadName(field, form);
  std::optional<OwnerName> owner = SplitOwner(name.substr(0, pos));
  if (!owner.has_value()) {
    return BadName(field, absl::StrCat(form, "; the owner needs ", ToAbsl(kIdRule)));
  }
  std::string_view id = name.substr(pos + kRegistriesSegment.size());
  if (!IsValidRegistryId(id)) {
    return BadName(field, absl::StrCat(form, "; the registry id must be 1-63 characters ",
                                       "[a-z]([a-z0-9-]*[a-z0-9])?"));
  }
  return RegistryName{*std::move(owner), std::string(id), /*global=*/false};
}

std::string RegistryKeyPrefix(const OwnerName& owner) {
  return absl::StrCat("r/", owner.ToString(), "/");
}

std::string RegistryKey(const OwnerName& owner, std::string_view registry_id) {
  return absl::StrCat(RegistryKeyPrefix(owner), ToAbsl(registry_id));
}

}  // namespace registry::core
