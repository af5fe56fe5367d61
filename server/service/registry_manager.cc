#include "server/service/registry_manager.h"

#include <sodium.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/core/names.h"
#include "server/core/page_token.h"
#include "server/core/presets.h"
#include "server/core/registry_index.h"
#include "server/core/registry_validation.h"
#include "server/service/authorization.h"
#include "server/service/registry_indexes.h"
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;
constexpr int kGeneratedIdAttempts = 8;

uint64_t SodiumRandom() {
  uint64_t value;
  randombytes_buf(&value, sizeof(value));
  return value;
}

}  // namespace

v1::Registry RegistryManager::WithoutSecrets(v1::Registry record) {
  core::ClearSecrets(record);
  return record;
}

RegistryManager::RegistryManager(seal::Barrier& barrier, AuditLog& audit,
                                 RegistryManagerOptions options)
    : barrier_(barrier),
      audit_(audit),
      options_(std::move(options)),
      written_indexes_(options_.written_index_entries) {
  if (!options_.clock) options_.clock = [] { return absl::Now(); };
  if (!options_.random) options_.random = SodiumRandom;
}

absl::StatusOr<v1::Registry> RegistryManager::LoadRecord(const std::string& key,
                                                         const std::string& name) {
  absl::StatusOr<std::string> bytes = barrier_.Get(key);
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("registry ", name, " not found"));
  }
  if (!bytes.ok()) return bytes.status();
  v1::Registry record;
  bool parsed = record.ParseFromString(*bytes);
  sodium_memzero(bytes->data(), bytes->size());
  if (!parsed) {
    return absl::DataLossError(absl::StrCat("stored record of ", name, " does not parse"));
  }
  return record;
}

absl::StatusOr<std::string> RegistryManager::PickRegistryId(const std::string& owner_prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < kGeneratedIdAttempts; ++attempt) {
    uint64_t bits = options_.random();
    std::string id = "reg-";
    for (int i = 0; i < 10; ++i, bits /= 36) id.push_back(kAlphabet[bits % 36]);
    absl::StatusOr<std::string> existing = barrier_.Get(owner_prefix + id);
    if (absl::IsNotFound(existing.status())) return id;
    if (!existing.ok()) return existing.status();
  }
  return absl::InternalError("could not pick an unused registry id");
}

absl::Status RegistryManager::StageIndexChange(const core::OwnerName& owner,
                                               std::string_view registry_id,
                                               const v1::Registry* record,
                                               core::storage_v1::RegistryIndex& index,
                                               storage::WriteBatch& batch) {
  if (record != nullptr) {
    if (absl::Status added = core::UpsertIndexEntry(index, *record); !added.ok()) {
      return absl::InternalError(
          absl::StrCat("validated registry does not index: ", added.message()));
    }
  } else {
    core::RemoveIndexEntry(index, registry_id);
  }
  const std::string key = core::RegistryIndexKey(owner);
  if (index.entries().empty()) {
    batch.Delete(key);
  } else {
    batch.Put(key, index.SerializeAsString());
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Registry> RegistryManager::GetRegistry(const Call& call,
                                                          const v1::GetRegistryRequest& request) {
  const auth::Principal& caller = call.caller;
  absl::StatusOr<core::RegistryName> name = core::ParseRegistryName(request.name(), "name");
  if (!name.ok()) return name.status();
  if (name->global) return core::GlobalDockerHub();
  if (absl::Status allowed = AuthorizeRead(caller, name->owner); !allowed.ok()) return allowed;
  absl::StatusOr<v1::Registry> record =
      LoadRecord(core::RegistryKey(name->owner, name->registry_id), request.name());
  if (!record.ok()) return record.status();
  return WithoutSecrets(*std::move(record));
}

absl::StatusOr<v1::ListRegistriesResponse> RegistryManager::ListRegistries(
    const Call& call, const v1::ListRegistriesRequest& request) {
  const auth::Principal& caller = call.caller;
  absl::StatusOr<core::OwnerName> owner = core::ParseOwnerName(request.parent(), "parent");
  if (!owner.ok()) return owner.status();
  // Every bad field at once (page_size and page_token).
  std::vector<core::FieldViolation> violations;
  if (request.page_size() < 0) violations.push_back({"page_size", "must not be negative"});
  const bool first_page = request.page_token().empty();
  std::string start_after;
  if (!first_page) {
    absl::StatusOr<core::PageToken> token = core::DecodePageToken(request.page_token());
    if (!token.ok()) {
      for (core::FieldViolation& v : core::ViolationsOf(token.status())) {
        violations.push_back(std::move(v));
      }
    } else if (token->parent != request.parent()) {
      violations.push_back({"page_token", "was issued for another parent; start again without it"});
    } else {
      start_after = token->last_registry_id;
    }
  }
  if (!violations.empty()) return core::InvalidArgumentError(std::move(violations));
  if (absl::Status allowed = AuthorizeRead(caller, *owner); !allowed.ok()) return allowed;

  int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  page_size = std::min(page_size, kMaxPageSize);

  v1::ListRegistriesResponse response;
  if (first_page) *response.add_registries() = core::GlobalDockerHub();
  const size_t wanted = static_cast<size_t>(page_size - response.registries_size());

  const std::string prefix = core::RegistryKeyPrefix(*owner);
  const std::string scan_after = start_after.empty() ? "" : prefix + start_after;
  // One extra key tells whether another page exists, without opening it.
  absl::StatusOr<std::vector<storage::KeyValue>> page =
      wanted == 0 ? std::vector<storage::KeyValue>{} : barrier_.Scan(prefix, scan_after, wanted);
  if (!page.ok()) return page.status();
  const std::string last_key = page->empty() ? scan_after : page->back().key;
  absl::StatusOr<std::vector<std::string>> more = barrier_.ScanKeys(prefix, last_key, 1);
  if (!more.ok()) return more.status();

  for (storage::KeyValue& entry : *page) {
    v1::Registry* registry = response.add_registries();
    bool parsed = registry->ParseFromString(entry.value);
    sodium_memzero(entry.value.data(), entry.value.size());
    if (!parsed) {
      return absl::DataLossError(
          absl::StrCat("stored record under ", entry.key, " does not parse"));
    }
    core::ClearSecrets(*registry);
  }
  if (!more->empty()) {
    response.set_next_page_token(core::EncodePageToken(
        {request.parent(), last_key.empty() ? "" : last_key.substr(prefix.size())}));
  }
  return response;
}

absl::StatusOr<v1::ListPresetsResponse> RegistryManager::ListPresets(
    const Call& call, const v1::ListPresetsRequest& request) {
  v1::ListPresetsResponse response;
  for (const v1::Preset& preset : core::Presets()) *response.add_presets() = preset;
  return response;
}

absl::StatusOr<v1::ListRegistryEventsResponse> RegistryManager::ListRegistryEvents(
    const Call& call, const v1::ListRegistryEventsRequest& request) {
  absl::StatusOr<core::RegistryName> name = core::ParseRegistryName(request.parent(), "parent");
  if (!name.ok()) return name.status();
  if (name->global) {
    // No trail of its own, but bad paging input is still refused.
    if (request.page_size() < 0) {
      return core::InvalidArgumentError({{"page_size", "must not be negative"}});
    }
    if (!request.page_token().empty()) {
      return core::InvalidArgumentError(
          {{"page_token", "is not a token this server issued; start again without it"}});
    }
    return v1::ListRegistryEventsResponse();
  }
  if (absl::Status allowed = AuthorizeRead(call.caller, name->owner); !allowed.ok()) {
    return allowed;
  }
  return audit_.List(*name, request.page_size(), request.page_token());
}

}  // namespace registry::service
