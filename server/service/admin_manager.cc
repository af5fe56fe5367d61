#include "server/service/admin_manager.h"

#include <sodium.h>

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

constexpr int kDefaultBatch = 1000;
constexpr int kMaxBatch = 10000;
constexpr char kTokenPrefix[] = "rw1.";

// The resume token: "rw1." + base64url(start_after) + "." + keyed MAC (the barrier's
// master-key-derived fingerprint), so a forged or tampered token cannot skip values.
std::string Base64Url(std::string_view bytes) {
  std::vector<char> encoded(
      sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING));
  sodium_bin2base64(encoded.data(), encoded.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return encoded.data();
}

std::string TokenMac(const seal::Barrier& barrier, const std::string& start_after) {
  return barrier.Fingerprint(absl::StrCat("rewrap-resume-token:", start_after));
}

std::string EncodeResumeToken(const seal::Barrier& barrier, const std::string& start_after) {
  return absl::StrCat(kTokenPrefix, Base64Url(start_after), ".", TokenMac(barrier, start_after));
}

absl::StatusOr<std::string> DecodeResumeToken(const seal::Barrier& barrier,
                                              const std::string& token) {
  auto invalid = [] {
    return core::InvalidArgumentError(
        {{"page_token", "is not a token this server issued; start again without it"}});
  };
  const std::string prefix = kTokenPrefix;
  if (token.rfind(prefix, 0) != 0 || token.size() > 4096) return invalid();
  const size_t dot = token.rfind('.');
  if (dot <= prefix.size()) return invalid();
  const std::string body = token.substr(prefix.size(), dot - prefix.size());
  // libsodium 1.0.18 decodes bytes >= 0x80 as if they were '_': refuse them up front.
  for (char c : body) {
    if (static_cast<unsigned char>(c) >= 0x80) return invalid();
  }
  std::string decoded(body.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        body.data(), body.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return invalid();
  }
  decoded.resize(length);
  const std::string mac = token.substr(dot + 1);
  const std::string expected = TokenMac(barrier, decoded);
  if (mac.size() != expected.size() ||
      sodium_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return invalid();
  }
  return decoded;
}

absl::Status RequireAdmin(const Call& call) {
  if (call.caller.HasScope(auth::kScopeAdmin)) return absl::OkStatus();
  return absl::PermissionDeniedError("key management needs scope registry.admin");
}

}  // namespace

absl::StatusOr<v1::RotateDataKeyResponse> AdminManager::RotateDataKey(
    const Call& call, const v1::RotateDataKeyRequest& request) {
  v1::RegistryEvent event = audit_.NewEvent(call, "AdminService/RotateDataKey");
  absl::Status allowed = RequireAdmin(call);
  absl::StatusOr<uint32_t> term = allowed.ok() ? barrier_.RotateDataKey() : allowed;
  event.set_outcome(absl::StatusCodeToString(term.status().code()));
  if (absl::Status audited = audit_.Record({event}); !audited.ok()) return audited;
  if (!term.ok()) return term.status();
  v1::RotateDataKeyResponse response;
  response.set_term(*term);
  return response;
}

absl::StatusOr<v1::RewrapSecretsResponse> AdminManager::RewrapSecrets(
    const Call& call, const v1::RewrapSecretsRequest& request) {
  v1::RegistryEvent event = audit_.NewEvent(call, "AdminService/RewrapSecrets");
  absl::StatusOr<v1::RewrapSecretsResponse> result =
      [&]() -> absl::StatusOr<v1::RewrapSecretsResponse> {
    if (absl::Status allowed = RequireAdmin(call); !allowed.ok()) return allowed;
    std::vector<core::FieldViolation> violations;
    if (request.batch_size() < 0 || request.batch_size() > kMaxBatch) {
      violations.push_back({"batch_size", absl::StrCat("must be between 0 and ", kMaxBatch)});
    }
    std::string start_after;
    if (!request.page_token().empty()) {
      absl::StatusOr<std::string> decoded = DecodeResumeToken(barrier_, request.page_token());
      if (decoded.ok()) {
        start_after = *std::move(decoded);
      } else {
        for (core::FieldViolation& v : core::ViolationsOf(decoded.status())) {
          violations.push_back(std::move(v));
        }
      }
    }
    if (!violations.empty()) return core::InvalidArgumentError(std::move(violations));
    const int batch = request.batch_size() == 0 ? kDefaultBatch : request.batch_size();
    absl::StatusOr<seal::RewrapProgress> progress = barrier_.RewrapBatch(start_after, batch);
    if (!progress.ok()) return progress.status();
    v1::RewrapSecretsResponse response;
    response.set_scanned(progress->scanned);
    response.set_rewrapped(progress->rewrapped);
    response.set_done(progress->done);
    response.set_current_term(barrier_.CurrentTerm());
    if (!progress->done)
      response.set_next_page_token(EncodeResumeToken(barrier_, progress->next_start_after));
    if (progress->done) {
      absl::StatusOr<std::map<uint32_t, uint64_t>> counts = barrier_.CountValuesByTerm();
      if (!counts.ok()) return counts.status();
      for (const auto& [term, count] : *counts) (*response.mutable_values_by_term())[term] = count;
    }
    return response;
  }();
  event.set_outcome(absl::StatusCodeToString(result.status().code()));
  if (absl::Status audited = audit_.Record({event}); !audited.ok()) return audited;
  return result;
}

}  // namespace registry::service

namespace registry::service {

absl::StatusOr<v1::CreateBackupResponse> AdminManager::CreateBackup(
    const Call& call, const v1::CreateBackupRequest& request) {
  v1::RegistryEvent event = audit_.NewEvent(call, "AdminService/CreateBackup");
  absl::StatusOr<v1::CreateBackupResponse> result =
      [&]() -> absl::StatusOr<v1::CreateBackupResponse> {
    if (absl::Status allowed = RequireAdmin(call); !allowed.ok()) return allowed;
    if (backups_ == nullptr) {
      return absl::FailedPreconditionError("backups are off: start registryd with --backup-dir");
    }
    absl::StatusOr<storage::BackupInfo> info = backups_->CreateBackup();
    if (!info.ok()) return info.status();
    v1::CreateBackupResponse response;
    response.set_backup_id(info->backup_id);
    response.set_size_bytes(info->size_bytes);
    *response.mutable_create_time() = ToProtoTimestamp(info->create_time);
    return response;
  }();
  event.set_outcome(absl::StatusCodeToString(result.status().code()));
  if (absl::Status audited = audit_.Record({event}); !audited.ok()) return audited;
  return result;
}

}  // namespace registry::service
