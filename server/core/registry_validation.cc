// ValidateRegistry: per-field content rules and credential-type consistency.
#include "server/core/registry_validation.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/core/server_key.h"
#include "server/core/sodium_codec.h"
#include "server/core/string_view_bridge.h"
#include "server/core/text.h"
#include "server/core/thumbnail.h"

namespace registry::core {
namespace {

using Violations = std::vector<FieldViolation>;

// Collects violations with the caller's prefix applied.
class Collector {
 public:
  Collector(std::string_view prefix, Violations& out) : prefix_(prefix), out_(out) {}

  void Add(std::string_view field, std::string description) {
    out_.push_back(
        FieldViolation{absl::StrCat(ToAbsl(prefix_), ToAbsl(field)), std::move(description)});
  }

 private:
  std::string_view prefix_;
  Violations& out_;
};

std::string_view TypeName(v1::CredentialType type) {
  switch (type) {
    case v1::CREDENTIAL_TYPE_NONE:
      return "CREDENTIAL_TYPE_NONE";
    case v1::CREDENTIAL_TYPE_USERNAME_PASSWORD:
      return "CREDENTIAL_TYPE_USERNAME_PASSWORD";
    case v1::CREDENTIAL_TYPE_OAUTH2_TOKEN:
      return "CREDENTIAL_TYPE_OAUTH2_TOKEN";
    case v1::CREDENTIAL_TYPE_JSON_TOKEN:
      return "CREDENTIAL_TYPE_JSON_TOKEN";
    default:
      return "CREDENTIAL_TYPE_UNSPECIFIED";
  }
}

void CheckDisplayName(const std::string& value, Collector& c) {
  if (value.empty()) return c.Add("display_name", "is required");
  std::optional<std::u32string> text = DecodeUtf8(value);
  if (!text.has_value()) return c.Add("display_name", "must be valid UTF-8");
  if (text->size() > kMaxDisplayNameCodePoints) {
    return c.Add("display_name", "must be at most 256 characters");
  }
  if (HasControl(*text)) return c.Add("display_name", "must not contain control characters");
  if (IsBlank(*text)) return c.Add("display_name", "must not be blank");
}

void CheckServer(const std::string& value, Collector& c) {
  if (value.empty()) return c.Add("server", "is required");
  absl::StatusOr<ServerKey> key = ParseServerKey(value);
  if (!key.ok()) c.Add("server", std::string(key.status().message()));
}

void CheckUsername(const std::string& value, Collector& c) {
  if (value.empty()) return;
  std::optional<std::u32string> text = DecodeUtf8(value);
  if (!text.has_value()) return c.Add("username", "must be valid UTF-8");
  if (text->size() > kMaxUsernameCodePoints) {
    return c.Add("username", "must be at most 256 characters");
  }
  if (HasControl(*text)) return c.Add("username", "must not contain control characters");
  if (value.find(':') != std::string::npos) {
    // Docker's `auth` field is base64(username ":" password).
    c.Add("username", "must not contain `:`");
  }
}

void CheckEmail(const std::string& value, Collector& c) {
  if (value.empty()) return;
  if (value.size() > kMaxEmailLength) return c.Add("email", "must be at most 254 characters");
  std::optional<std::u32string> text = DecodeUtf8(value);
  if (!text.has_value()) return c.Add("email", "must be valid UTF-8");
  if (HasControl(*text) || HasWhitespace(*text)) {
    return c.Add("email", "must not contain whitespace or control characters");
  }
  const size_t at = value.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == value.size() ||
      value.find('@', at + 1) != std::string::npos) {
    c.Add("email", "must be an address of the form local@domain");
  }
}

void CheckSecretSizes(const v1::Registry& r, Collector& c) {
  if (r.password().size() > kMaxSecretLength) c.Add("password", "must be at most 64 KiB");
  if (r.oauth2_token().size() > kMaxSecretLength) c.Add("oauth2_token", "must be at most 64 KiB");
  if (r.json_token().size() > kMaxSecretLength) c.Add("json_token", "must be at most 64 KiB");
}

void CheckThumbnail(const std::string& value, Collector& c) {
  if (value.empty()) return;
  if (absl::Status s = ValidateThumbnailUri(value); !s.ok()) {
    c.Add("thumbnail_uri", std::string(s.message()));
  }
}

bool IsJsonObject(const std::string& value) {
  // Parsed only to check; the stored bytes are never re-serialized.
  const nlohmann::json parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  return !parsed.is_discarded() && parsed.is_object();
}

// Field rules that depend on credential_type. Secret-size violations are
// reported separately, so a too-long secret is not also checked here.
void CheckCredentialConsistency(const v1::Registry& r, Collector& c) {
  const v1::CredentialType type = r.credential_type();
  if (type == v1::CREDENTIAL_TYPE_UNSPECIFIED) return c.Add("credential_type", "is required");
  if (!v1::CredentialType_IsValid(type)) {
    return c.Add("credential_type", "is not a known credential type");
  }
  const std::string for_type = absl::StrCat("must be empty for ", ToAbsl(TypeName(type)));
  auto forbid = [&](std::string_view field, const std::string& value) {
    if (!value.empty()) c.Add(field, for_type);
  };
  auto require = [&](std::string_view field, const std::string& value) {
    if (value.empty()) c.Add(field, absl::StrCat("is required for ", ToAbsl(TypeName(type))));
  };
  switch (type) {
    case v1::CREDENTIAL_TYPE_NONE:
      forbid("username", r.username());
      forbid("password", r.password());
      forbid("oauth2_token", r.oauth2_token());
      forbid("json_token", r.json_token());
      break;
    case v1::CREDENTIAL_TYPE_USERNAME_PASSWORD:
      require("username", r.username());
      require("password", r.password());
      forbid("oauth2_token", r.oauth2_token());
      forbid("json_token", r.json_token());
      break;
    case v1::CREDENTIAL_TYPE_OAUTH2_TOKEN:
      forbid("password", r.password());
      require("oauth2_token", r.oauth2_token());
      forbid("json_token", r.json_token());
      break;
    case v1::CREDENTIAL_TYPE_JSON_TOKEN:
      forbid("password", r.password());
      forbid("oauth2_token", r.oauth2_token());
      require("json_token", r.json_token());
      if (!r.json_token().empty() && r.json_token().size() <= kMaxSecretLength &&
          !IsJsonObject(r.json_token())) {
        c.Add("json_token", "must be a JSON object (a service-account key file)");
      }
      break;
    default:
      break;
  }
}

}  // namespace

std::vector<FieldViolation> ValidateRegistry(const v1::Registry& registry,
                                             std::string_view prefix) {
  Violations out;
  Collector c(prefix, out);
  CheckDisplayName(registry.display_name(), c);
  CheckServer(registry.server(), c);
  CheckUsername(registry.username(), c);
  CheckEmail(registry.email(), c);
  CheckSecretSizes(registry, c);
  CheckThumbnail(registry.thumbnail_uri(), c);
  CheckCredentialConsistency(registry, c);
  return out;
}

void ApplyCredentialDefaults(v1::Registry& registry) {
  if (registry.credential_type() == v1::CREDENTIAL_TYPE_JSON_TOKEN && registry.username().empty()) {
    registry.set_username(std::string(kJsonKeyUsername));
  }
}

bool HasSecret(const v1::Registry& registry) {
  return !registry.password().empty() || !registry.oauth2_token().empty() ||
         !registry.json_token().empty();
}

std::array<std::string*, 3> HeldSecrets(v1::Registry& registry) {
  return {registry.password().empty() ? nullptr : registry.mutable_password(),
          registry.oauth2_token().empty() ? nullptr : registry.mutable_oauth2_token(),
          registry.json_token().empty() ? nullptr : registry.mutable_json_token()};
}

void ClearSecrets(v1::Registry& registry) {
  for (std::string* secret : HeldSecrets(registry)) {
    if (secret != nullptr) WipeString(*secret);
  }
}

}  // namespace registry::core
