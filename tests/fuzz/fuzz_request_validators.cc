// Fuzzes the request validators of server/core: ParseOwnerName / ParseRegistryName (names.h),
// DecodePageToken / EncodePageToken (page_token.h), ValidateRegistry (registry_validation.h) and
// ApplyUpdateMask (update_mask.h). The first input byte picks the mode; the rest is its data:
//   'O'  ParseOwnerName(data)         'N'  ParseRegistryName(data)
//   'T'  DecodePageToken(data)        'E'  page token round trip: parent and last_registry_id
//                                          from the data (FuzzedDataProvider), encoded, decoded
//                                          and tampered with
//   'R'  existing-record selector byte | update mask paths, comma-separated, up to '\n' |
//        the patch as a serialized cloudmanager.registry.v1.Registry; runs ValidateRegistry on
//        the patch, ApplyUpdateMask(existing, patch, mask), then ValidateRegistry on the result
//   else the same as 'R' (so random bytes still reach the protobuf parser).
// Invariants (abort on violation):
// - an accepted name round-trips exactly through ToString(), an owner extends to a registry
//   name that parses back to it, and refusals are INVALID_ARGUMENT with BadRequest violations
//   on the request's field;
// - an accepted page token re-encodes to itself; every encoded token with a valid id decodes
//   back (when within the 1024-character limit); a changed character never decodes to other
//   content;
// - validation violations name only user-settable fields under the prefix and never quote a
//   secret (a "~~" canary); no violations means the record really is valid in the checked
//   respects;
// - ApplyUpdateMask succeeds exactly for non-empty masks of mutable paths (or `*` alone), keeps
//   every output-only field, copies exactly the named fields, and reports secret_changed right.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/core/field_violation.h"
#include "server/core/names.h"
#include "server/core/page_token.h"
#include "server/core/registry_validation.h"
#include "server/core/server_key.h"
#include "server/core/update_mask.h"

namespace {

namespace core = ::registry::core;
namespace v1 = ::cloudmanager::registry::v1;
using ::google::protobuf::util::MessageDifferencer;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_request_validators: invariant violated: %s\n", what);
  std::abort();
}

// A refusal must be INVALID_ARGUMENT carrying violations, all on `field`.
void CheckFieldError(const absl::Status& status, std::string_view field) {
  Check(status.code() == absl::StatusCode::kInvalidArgument, "refusal is not INVALID_ARGUMENT");
  const std::vector<core::FieldViolation> violations = core::ViolationsOf(status);
  Check(!violations.empty(), "refusal carries no BadRequest violation");
  for (const core::FieldViolation& v : violations) {
    Check(v.field == field, "violation on an unexpected field");
    Check(!v.description.empty(), "violation without a description");
  }
}

void FuzzOwnerName(std::string_view text) {
  absl::StatusOr<core::OwnerName> owner = core::ParseOwnerName(text, "parent");
  if (!owner.ok()) return CheckFieldError(owner.status(), "parent");
  Check(owner->ToString() == text, "owner name does not round-trip");
  Check(core::IsValidUserId(owner->id), "owner id invalid");
  // Every owner can own registries: its registry names parse back to it.
  const std::string name = owner->ToString() + "/registries/r1";
  absl::StatusOr<core::RegistryName> registry = core::ParseRegistryName(name, "name");
  Check(registry.ok(), "a valid owner's registry name is refused");
  Check(!registry->global && registry->owner == *owner && registry->registry_id == "r1",
        "a valid owner's registry name parses to another registry");
  const std::string key = core::RegistryKey(*owner, "r1");
  Check(key.starts_with(core::RegistryKeyPrefix(*owner)), "storage key outside its prefix");
}

void FuzzRegistryName(std::string_view text) {
  absl::StatusOr<core::RegistryName> name = core::ParseRegistryName(text, "name");
  if (!name.ok()) return CheckFieldError(name.status(), "name");
  Check(name->ToString() == text, "registry name does not round-trip");
  if (name->global) {
    Check(text == core::kGlobalRegistryName, "global flag on a non-global name");
    return;
  }
  Check(core::IsValidRegistryId(name->registry_id), "registry id invalid");
  absl::StatusOr<core::OwnerName> owner = core::ParseOwnerName(name->owner.ToString(), "parent");
  Check(owner.ok() && *owner == name->owner, "owner of a registry name does not parse");
}

void FuzzDecodePageToken(std::string_view text) {
  absl::StatusOr<core::PageToken> token = core::DecodePageToken(text);
  if (!token.ok()) return CheckFieldError(token.status(), "page_token");
  Check(core::EncodePageToken(*token) == text, "page token does not re-encode to itself");
  Check(token->last_registry_id.empty() || core::IsValidRegistryId(token->last_registry_id),
        "page token with an invalid registry id");
}

void FuzzPageTokenRoundTrip(std::string_view data) {
  FuzzedDataProvider fdp(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  core::PageToken token;
  token.parent = fdp.ConsumeRandomLengthString(2048);
  token.last_registry_id = fdp.ConsumeRandomLengthString(128);
  const uint16_t position = fdp.ConsumeIntegral<uint16_t>();
  const char replacement = static_cast<char>(fdp.ConsumeIntegral<uint8_t>());
  const std::string encoded = core::EncodePageToken(token);
  absl::StatusOr<core::PageToken> decoded = core::DecodePageToken(encoded);
  const bool valid_id =
      token.last_registry_id.empty() || core::IsValidRegistryId(token.last_registry_id);
  if (encoded.size() <= 1024 && valid_id) {
    Check(decoded.ok() && *decoded == token, "an encoded page token does not decode back");
  } else {
    Check(!decoded.ok(), "an over-long token or invalid id decoded");
  }
  std::string tampered = encoded;
  tampered[position % tampered.size()] = replacement;
  if (tampered == encoded) return;
  absl::StatusOr<core::PageToken> forged = core::DecodePageToken(tampered);
  Check(!forged.ok() || *forged == token, "a tampered page token decoded to other content");
}

constexpr std::array<std::string_view, 9> kMutable = {
    "display_name", "server",       "credential_type", "username",     "email",
    "password",     "oauth2_token", "json_token",      "thumbnail_uri"};

bool IsSecret(std::string_view path) {
  return path == "password" || path == "oauth2_token" || path == "json_token";
}

bool IsMutable(std::string_view path) {
  for (std::string_view p : kMutable) {
    if (p == path) return true;
  }
  return false;
}

std::string Get(const v1::Registry& r, std::string_view path) {
  if (path == "display_name") return r.display_name();
  if (path == "server") return r.server();
  if (path == "credential_type") return std::to_string(r.credential_type());
  if (path == "username") return r.username();
  if (path == "email") return r.email();
  if (path == "password") return r.password();
  if (path == "oauth2_token") return r.oauth2_token();
  if (path == "json_token") return r.json_token();
  if (path == "thumbnail_uri") return r.thumbnail_uri();
  std::abort();
}

std::string_view SecretOfType(int type) {
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

// Stored records the patch is applied to, one per credential type.
v1::Registry Existing(uint8_t selector) {
  v1::Registry r;
  r.set_name("users/alice/registries/r1");
  r.set_display_name("Existing");
  r.set_etag("etag-1");
  r.mutable_create_time()->set_seconds(1'700'000'000);
  r.mutable_update_time()->set_seconds(1'700'000'100);
  switch (selector % 4) {
    case 0:
      r.set_server("https://index.docker.io/v1/");
      r.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
      r.set_username("alice");
      r.set_password("existing-password-0123456789abcdef");
      break;
    case 1:
      r.set_server("gcr.io");
      r.set_credential_type(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN);
      r.set_oauth2_token("existing-oauth2-token-0123456789abcdef");
      break;
    case 2:
      r.set_server("*.pkg.dev");
      r.set_credential_type(v1::CREDENTIAL_TYPE_JSON_TOKEN);
      r.set_username("_json_key");
      r.set_json_token(R"({"type":"service_account","private_key_id":"0123456789abcdef"})");
      break;
    default:
      r.set_server("ghcr.io/team");
      r.set_credential_type(v1::CREDENTIAL_TYPE_NONE);
      r.set_email("alice@example.com");
      r.set_thumbnail_uri("https://example.com/logo.png");
      break;
  }
  if (core::HasSecret(r)) {
    r.set_secret_set(true);
    r.mutable_secret_update_time()->set_seconds(1'700'000'050);
  }
  return r;
}

void CheckViolations(const std::vector<core::FieldViolation>& violations,
                     const v1::Registry& registry) {
  auto has_canary = [](const std::string& s) { return s.find("~~") != std::string::npos; };
  const bool canary_in_secret_only =
      (has_canary(registry.password()) || has_canary(registry.oauth2_token()) ||
       has_canary(registry.json_token())) &&
      !has_canary(registry.display_name()) && !has_canary(registry.server()) &&
      !has_canary(registry.username()) && !has_canary(registry.email()) &&
      !has_canary(registry.thumbnail_uri());
  for (const core::FieldViolation& v : violations) {
    Check(v.field.starts_with("registry.") && IsMutable(std::string_view(v.field).substr(9)),
          "violation on a field that is not user-settable");
    Check(!v.description.empty(), "violation without a description");
    // A "~~" canary only in secret fields must never reach a description (none contains "~~"
    // by itself). Searching descriptions for the secret would let libFuzzer copy description
    // text into the secret.
    if (canary_in_secret_only) {
      Check(v.description.find("~~") == std::string::npos, "a violation quotes a secret");
    }
  }
  if (!violations.empty()) return;
  Check(!registry.display_name().empty(), "valid without a display name");
  Check(core::ParseServerKey(registry.server()).ok(), "valid with an unparsable server");
  Check(v1::CredentialType_IsValid(registry.credential_type()) &&
            registry.credential_type() != v1::CREDENTIAL_TYPE_UNSPECIFIED,
        "valid without a known credential type");
  Check(registry.password().size() <= core::kMaxSecretLength &&
            registry.oauth2_token().size() <= core::kMaxSecretLength &&
            registry.json_token().size() <= core::kMaxSecretLength,
        "valid with an over-long secret");
  // The secret fields other than the type's own must be empty.
  const std::string_view own = SecretOfType(registry.credential_type());
  for (std::string_view secret : {"password", "oauth2_token", "json_token"}) {
    if (secret != own) Check(Get(registry, secret).empty(), "valid with a foreign secret");
  }
  if (!own.empty()) Check(!Get(registry, own).empty(), "valid without the type's secret");
}

void FuzzRegistry(std::string_view data) {
  if (data.empty()) return;
  const v1::Registry existing = Existing(static_cast<uint8_t>(data[0]));
  data.remove_prefix(1);
  const size_t newline = data.find('\n');
  const std::string_view mask_text = data.substr(0, newline);
  const std::string_view patch_bytes =
      newline == std::string_view::npos ? std::string_view() : data.substr(newline + 1);

  v1::Registry patch;
  if (!patch.ParseFromArray(patch_bytes.data(), static_cast<int>(patch_bytes.size()))) return;
  google::protobuf::FieldMask mask;
  if (!mask_text.empty()) {
    for (absl::string_view path :
         absl::StrSplit(absl::string_view(mask_text.data(), mask_text.size()), ',')) {
      mask.add_paths(std::string(path));
    }
  }

  CheckViolations(core::ValidateRegistry(patch, "registry."), patch);

  absl::StatusOr<core::UpdateResult> result = core::ApplyUpdateMask(existing, patch, mask);
  const bool star = mask.paths_size() == 1 && mask.paths(0) == "*";
  bool expect_ok = mask.paths_size() > 0;
  for (const std::string& path : mask.paths()) expect_ok = expect_ok && (star || IsMutable(path));
  Check(result.ok() == expect_ok, "ApplyUpdateMask accepted a bad mask or refused a good one");
  if (!result.ok()) return CheckFieldError(result.status(), "update_mask");

  const v1::Registry& merged = result->merged;
  // Output-only fields are never taken from the patch.
  Check(merged.name() == existing.name() && merged.global() == existing.global() &&
            merged.etag() == existing.etag() && merged.secret_set() == existing.secret_set() &&
            MessageDifferencer::Equals(merged.create_time(), existing.create_time()) &&
            MessageDifferencer::Equals(merged.update_time(), existing.update_time()) &&
            MessageDifferencer::Equals(merged.secret_update_time(), existing.secret_update_time()),
        "an output-only field changed");
  std::set<std::string_view> named;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      for (std::string_view p : kMutable) {
        if (!IsSecret(p) || !Get(patch, p).empty()) named.insert(p);
      }
    } else {
      named.insert(*std::find(kMutable.begin(), kMutable.end(), path));
    }
  }
  const bool type_changed = merged.credential_type() != existing.credential_type();
  for (std::string_view p : kMutable) {
    if (named.contains(p)) {
      Check(Get(merged, p) == Get(patch, p), "a named field was not copied");
    } else if (IsSecret(p) && type_changed && p != SecretOfType(merged.credential_type())) {
      Check(Get(merged, p).empty(), "a secret of the old credential type was kept");
    } else {
      Check(Get(merged, p) == Get(existing, p), "an unnamed field changed");
    }
  }
  const bool secret_changed = merged.password() != existing.password() ||
                              merged.oauth2_token() != existing.oauth2_token() ||
                              merged.json_token() != existing.json_token();
  Check(result->secret_changed == secret_changed, "secret_changed is wrong");

  v1::Registry stored = merged;
  core::ApplyCredentialDefaults(stored);
  CheckViolations(core::ValidateRegistry(stored, "registry."), stored);
  core::ClearSecrets(stored);
  Check(!core::HasSecret(stored), "ClearSecrets left a secret");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Proto3 strings with invalid UTF-8 fail to parse and log an error each time: keep it quiet.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'O':
      FuzzOwnerName(rest);
      break;
    case 'N':
      FuzzRegistryName(rest);
      break;
    case 'T':
      FuzzDecodePageToken(rest);
      break;
    case 'E':
      FuzzPageTokenRoundTrip(rest);
      break;
    default:
      FuzzRegistry(rest);
  }
  return 0;
}
