// ApplyUpdateMask: mask path checks, merge, secret clearing on type change.
#include "server/core/update_mask.h"

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/core/sodium_codec.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {
namespace {

constexpr std::string_view kMaskField = "update_mask";
constexpr size_t kMaxEchoedPathLength = 64;

constexpr std::array<std::string_view, 9> kMutablePaths = {
    "display_name", "server",       "credential_type", "username",     "email",
    "password",     "oauth2_token", "json_token",      "thumbnail_uri"};
constexpr std::array<std::string_view, 7> kImmutablePaths = {
    "name", "global", "create_time", "update_time", "etag", "secret_set", "secret_update_time"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& set, std::string_view path) {
  for (std::string_view p : set) {
    if (p == path) return true;
  }
  return false;
}

// `path` for a violation description: truncated and C-escaped, so the description (a proto3
// string in google.rpc.BadRequest) stays valid UTF-8 even when the cut splits a character.
std::string Echo(std::string_view path) {
  const bool truncated = path.size() > kMaxEchoedPathLength;
  if (truncated) path = path.substr(0, kMaxEchoedPathLength);
  return absl::StrCat(absl::CHexEscape(ToAbsl(path)), truncated ? "..." : "");
}

bool IsSecretPath(std::string_view path) {
  return path == "password" || path == "oauth2_token" || path == "json_token";
}

// Copies the field `path` (a mutable path) from `from` into `to`.
void CopyField(std::string_view path, const v1::Registry& from, v1::Registry& to) {
  if (path == "display_name") to.set_display_name(from.display_name());
  if (path == "server") to.set_server(from.server());
  if (path == "credential_type") to.set_credential_type(from.credential_type());
  if (path == "username") to.set_username(from.username());
  if (path == "email") to.set_email(from.email());
  if (path == "password") to.set_password(from.password());
  if (path == "oauth2_token") to.set_oauth2_token(from.oauth2_token());
  if (path == "json_token") to.set_json_token(from.json_token());
  if (path == "thumbnail_uri") to.set_thumbnail_uri(from.thumbnail_uri());
}

// The one secret field a credential type stores, or "" for none.
std::string_view SecretPathOf(v1::CredentialType type) {
  switch (type) {
    case v1::CREDENTIAL_TYPE_USERNAME_PASSWORD:
      return "password";
    case v1::CREDENTIAL_TYPE_OAUTH2_TOKEN:
      return "oauth2_token";
    case v1::CREDENTIAL_TYPE_JSON_TOKEN:
      return "json_token";
    default:
      return "";
  }
}

// REQUIRES: IsSecretPath(path).
const std::string& SecretOf(std::string_view path, const v1::Registry& r) {
  if (path == "password") return r.password();
  if (path == "oauth2_token") return r.oauth2_token();
  return r.json_token();
}

// REQUIRES: IsSecretPath(path).
std::string* MutableSecretOf(std::string_view path, v1::Registry& r) {
  if (path == "password") return r.mutable_password();
  if (path == "oauth2_token") return r.mutable_oauth2_token();
  return r.mutable_json_token();
}

// Validates the mask and returns the mutable paths to copy from the patch.
absl::StatusOr<std::set<std::string_view>> PathsToCopy(const v1::Registry& patch,
                                                       const google::protobuf::FieldMask& mask) {
  std::vector<FieldViolation> violations;
  std::set<std::string_view> paths;
  if (mask.paths().empty()) {
    violations.push_back({std::string(kMaskField), "is required; name the fields to change"});
  }
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      if (mask.paths_size() != 1) {
        violations.push_back({std::string(kMaskField), "`*` must be the only path"});
        continue;
      }
      for (std::string_view p : kMutablePaths) {
        if (!IsSecretPath(p) || !SecretOf(p, patch).empty()) paths.insert(p);
      }
    } else if (Contains(kMutablePaths, path)) {
      paths.insert(*std::find(kMutablePaths.begin(), kMutablePaths.end(), path));
    } else if (Contains(kImmutablePaths, path)) {
      violations.push_back({std::string(kMaskField),
                            absl::StrCat("field `", path, "` is immutable or output only")});
    } else {
      violations.push_back(
          {std::string(kMaskField), absl::StrCat("unknown field path `", Echo(path), "`")});
    }
  }
  if (!violations.empty()) return InvalidArgumentError(std::move(violations));
  return paths;
}

}  // namespace

absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask) {
  // Which secrets `*` selects depends on the patch, whether the mask is valid does not.
  return PathsToCopy(v1::Registry(), mask).status();
}

absl::StatusOr<UpdateResult> ApplyUpdateMask(const v1::Registry& existing,
                                             const v1::Registry& patch,
                                             const google::protobuf::FieldMask& mask) {
  absl::StatusOr<std::set<std::string_view>> paths = PathsToCopy(patch, mask);
  if (!paths.ok()) return paths.status();

  UpdateResult result;
  result.merged = existing;
  for (std::string_view path : *paths) CopyField(path, patch, result.merged);

  if (result.merged.credential_type() != existing.credential_type()) {
    const std::string_view keep = SecretPathOf(result.merged.credential_type());
    for (std::string_view secret : {"password", "oauth2_token", "json_token"}) {
      if (secret != keep && !paths->contains(secret)) {
        WipeString(*MutableSecretOf(secret, result.merged));
      }
    }
  }
  result.secret_changed = result.merged.password() != existing.password() ||
                          result.merged.oauth2_token() != existing.oauth2_token() ||
                          result.merged.json_token() != existing.json_token();
  return result;
}

}  // namespace registry::core
