#include "server/service/registry_manager.h"

#include <sodium.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "server/core/etag.h"
#include "server/core/field_violation.h"
#include "server/core/names.h"
#include "server/core/page_token.h"
#include "server/core/presets.h"
#include "server/core/registry_index.h"
#include "server/core/registry_validation.h"
#include "server/core/update_mask.h"
#include "server/service/authorization.h"
#include "server/service/registry_indexes.h"
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;
constexpr int kGeneratedIdAttempts = 8;

// The copy of a stored record that may leave the service: secrets removed.
v1::Registry WithoutSecrets(v1::Registry record) {
  core::ClearSecrets(record);
  return record;
}

// Stamps the output-only bookkeeping of a record about to be stored.
void StampRecord(v1::Registry& record, absl::Time now, bool secret_changed) {
  *record.mutable_update_time() = ToProtoTimestamp(now);
  record.set_secret_set(core::HasSecret(record));
  if (!record.secret_set()) {
    record.clear_secret_update_time();
  } else if (secret_changed) {
    *record.mutable_secret_update_time() = ToProtoTimestamp(now);
  }
  record.set_global(false);
  record.set_etag(core::ComputeEtag(record));
}

absl::Status GlobalIsImmutable(const auth::Principal& caller) {
  if (!caller.HasScope(auth::kScopeWrite)) {
    return absl::PermissionDeniedError("caller may not change registries");
  }
  return absl::FailedPreconditionError(
      absl::StrCat(std::string(core::kGlobalRegistryName), " is the immutable global default"));
}

absl::Status StaleEtag(const std::string& name) {
  return absl::AbortedError(
      absl::StrCat("etag mismatch: ", name, " was changed concurrently; read it again and retry"));
}

// Identifies the stored secret version in `event` without revealing it.
void AddSecretFingerprint(const AuditLog& audit, const v1::Registry& record,
                          v1::RegistryEvent& event) {
  for (const std::string* secret :
       {&record.password(), &record.oauth2_token(), &record.json_token()}) {
    if (!secret->empty()) event.add_secret_fingerprints(audit.Fingerprint(*secret));
  }
}

// The outcome a caller sees: the use case's, unless recording its event failed differently.
absl::StatusOr<v1::Registry> WithAuditOutcome(absl::StatusOr<v1::Registry> result,
                                              const absl::Status& audited) {
  if (audited.ok()) return result;
  if (result.ok() || audited.code() != result.status().code()) return audited;
  return result;
}

uint64_t SodiumRandom() {
  uint64_t value;
  randombytes_buf(&value, sizeof(value));
  return value;
}

}  // namespace

RegistryManager::RegistryManager(seal::Barrier& barrier, AuditLog& audit,
                                 RegistryManagerOptions options)
    : barrier_(barrier), audit_(audit), options_(std::move(options)) {
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

void RegistryManager::InvalidateCachedIndex(const std::string& owner) {
  if (options_.index_cache != nullptr) options_.index_cache->Invalidate(owner);
}

absl::Status RegistryManager::CommitWithEvent(storage::WriteBatch& batch, v1::RegistryEvent& event,
                                              bool& recorded) {
  event.set_outcome("OK");
  if (absl::Status staged = audit_.Stage({event}, batch); !staged.ok()) {
    recorded = true;  // Nothing is committed; the sink is the failure, do not retry it.
    return staged;
  }
  absl::Status written = barrier_.Write(batch);
  recorded = written.ok();  // On failure, FinishAudit records the real outcome.
  return written;
}

absl::Status RegistryManager::FinishAudit(const absl::Status& status, v1::RegistryEvent& event,
                                          bool recorded) {
  if (recorded) return status;
  event.set_outcome(absl::StatusCodeToString(status.code()));
  event.clear_secret_fingerprints();
  if (absl::Status audited = audit_.Record({event}); !audited.ok()) return audited;
  return status;
}

struct RegistryManager::PendingCreate {
  v1::RegistryEvent event;
  bool recorded = false;  // The event went out with a batch (or the sink refused it).
  CreateDone done;
};

absl::StatusOr<v1::Registry> RegistryManager::CreateRegistry(
    const Call& call, const v1::CreateRegistryRequest& request) {
  absl::StatusOr<v1::Registry> result;
  absl::Notification finished;
  CreateRegistryAsync(call, request, [&](absl::StatusOr<v1::Registry> outcome) {
    result = std::move(outcome);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

void RegistryManager::CreateRegistryAsync(const Call& call,
                                          const v1::CreateRegistryRequest& request,
                                          CreateDone done) {
  auto pending = std::make_shared<PendingCreate>();
  pending->event = audit_.NewEvent(call, "RegistryService/CreateRegistry");
  pending->event.set_owner(request.parent());
  pending->done = std::move(done);
  absl::StatusOr<CreatePlan> plan = PlanCreate(call.caller, request);
  if (!plan.ok()) {
    FinishCreate(std::move(pending), plan.status());
    return;
  }
  const std::string owner = plan->owner.ToString();
  write_queue_.Run(
      owner, [this, owner, pending, plan = *std::move(plan)](OwnerWriteQueue::Turn turn) mutable {
        storage::WriteBatch batch;
        if (absl::Status staged = StageCreate(plan, pending->event, pending->recorded, batch);
            !staged.ok()) {
          turn.Release();
          core::ClearSecrets(plan.record);
          FinishCreate(std::move(pending), staged);
          return;
        }
        // std::function needs copyable captures: the turn and the record travel by shared_ptr.
        auto held = std::make_shared<OwnerWriteQueue::Turn>(std::move(turn));
        auto record = std::make_shared<v1::Registry>(std::move(plan.record));
        barrier_.WriteAsync(std::move(batch), [this, owner, pending, held,
                                               record](absl::Status written) mutable {
          pending->recorded = written.ok();  // On failure, FinishCreate records the real outcome.
          InvalidateCachedIndex(owner);
          held->Release();
          if (!written.ok()) {
            core::ClearSecrets(*record);
            FinishCreate(std::move(pending), written);
            return;
          }
          FinishCreate(std::move(pending), WithoutSecrets(std::move(*record)));
        });
      });
}

void RegistryManager::FinishCreate(std::shared_ptr<PendingCreate> pending,
                                   absl::StatusOr<v1::Registry> result) {
  if (pending->recorded) {
    pending->done(std::move(result));
    return;
  }
  pending->event.set_outcome(absl::StatusCodeToString(result.status().code()));
  pending->event.clear_secret_fingerprints();
  std::vector<v1::RegistryEvent> events{pending->event};
  audit_.RecordAsync(std::move(events), [pending, result](absl::Status audited) {
    pending->done(WithAuditOutcome(result, audited));
  });
}

absl::StatusOr<RegistryManager::CreatePlan> RegistryManager::PlanCreate(
    const auth::Principal& caller, const v1::CreateRegistryRequest& request) {
  absl::StatusOr<core::OwnerName> owner = core::ParseOwnerName(request.parent(), "parent");
  if (!owner.ok()) return owner.status();
  if (!request.registry_id().empty() && !core::IsValidRegistryId(request.registry_id())) {
    return core::InvalidArgumentError(
        {{"registry_id",
          "must be 1-63 characters of [a-z0-9-], start with a letter and not "
          "end with '-'"}});
  }
  if (absl::Status allowed = AuthorizeWrite(caller, *owner); !allowed.ok()) return allowed;
  if (!request.has_registry()) {
    return core::InvalidArgumentError({{"registry", "is required"}});
  }

  CreatePlan plan{.owner = *std::move(owner),
                  .registry_id = request.registry_id(),
                  .record = request.registry()};
  // Unknown fields are ignored, not stored: they would bypass validation, be echoed to every
  // reader and be taken for server-set values once a later version defines their numbers.
  plan.record.DiscardUnknownFields();
  core::ApplyCredentialDefaults(plan.record);
  std::vector<core::FieldViolation> violations = core::ValidateRegistry(plan.record, "registry.");
  if (!violations.empty()) {
    core::ClearSecrets(plan.record);
    return core::InvalidArgumentError(std::move(violations));
  }
  return plan;
}

absl::Status RegistryManager::StageCreate(CreatePlan& plan, v1::RegistryEvent& event,
                                          bool& recorded, storage::WriteBatch& batch) {
  const core::OwnerName& owner = plan.owner;
  const std::string owner_name = owner.ToString();
  // The owner's index names every registry it has (it commits with each change), so it
  // answers both the limit and the ALREADY_EXISTS check without scanning the records.
  absl::StatusOr<core::storage_v1::RegistryIndex> index = LoadRegistryIndex(barrier_, owner);
  if (!index.ok()) return index.status();
  if (index->entries_size() >= options_.max_registries_per_owner) {
    return absl::ResourceExhaustedError(absl::StrCat(owner_name, " already has the maximum of ",
                                                     options_.max_registries_per_owner,
                                                     " registries"));
  }
  std::string& registry_id = plan.registry_id;
  if (registry_id.empty()) {
    absl::StatusOr<std::string> picked = PickRegistryId(core::RegistryKeyPrefix(owner));
    if (!picked.ok()) return picked.status();
    registry_id = *std::move(picked);
  } else if (std::any_of(index->entries().begin(), index->entries().end(),
                         [&](const auto& entry) { return entry.registry_id() == registry_id; })) {
    return absl::AlreadyExistsError(
        absl::StrCat("registry ", owner_name, "/registries/", registry_id, " already exists"));
  }

  v1::Registry& record = plan.record;
  const absl::Time now = options_.clock();
  record.set_name(core::RegistryName{owner, registry_id, false}.ToString());
  *record.mutable_create_time() = ToProtoTimestamp(now);
  StampRecord(record, now, /*secret_changed=*/true);
  event.set_registry(record.name());
  AddSecretFingerprint(audit_, record, event);

  // The barrier wipes the batch's plaintext values once it has sealed them.
  batch.Put(core::RegistryKey(owner, registry_id), record.SerializeAsString());
  if (absl::Status staged = StageIndexChange(owner, registry_id, &record, *index, batch);
      !staged.ok()) {
    return staged;
  }
  event.set_outcome("OK");
  if (absl::Status staged = audit_.Stage({event}, batch); !staged.ok()) {
    recorded = true;  // Nothing is committed; the sink is the failure, do not retry it.
    return staged;
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

absl::StatusOr<v1::Registry> RegistryManager::UpdateRegistry(
    const Call& call, const v1::UpdateRegistryRequest& request) {
  v1::RegistryEvent event = audit_.NewEvent(call, "RegistryService/UpdateRegistry");
  event.set_registry(request.registry().name());
  bool recorded = false;
  absl::StatusOr<v1::Registry> result = DoUpdate(call.caller, request, event, recorded);
  absl::Status audited = FinishAudit(result.status(), event, recorded);
  if (!audited.ok() && result.ok()) return audited;
  if (!result.ok() && audited.code() != result.status().code()) return audited;
  return result;
}

absl::StatusOr<v1::Registry> RegistryManager::DoUpdate(const auth::Principal& caller,
                                                       const v1::UpdateRegistryRequest& request,
                                                       v1::RegistryEvent& event, bool& recorded) {
  absl::StatusOr<core::RegistryName> name =
      core::ParseRegistryName(request.registry().name(), "registry.name");
  if (!name.ok()) return name.status();
  if (request.update_mask().paths().empty()) {
    return core::InvalidArgumentError(
        {{"update_mask", "is required: name the fields to change, or `*`"}});
  }
  if (name->global) return GlobalIsImmutable(caller);
  event.set_owner(name->owner.ToString());
  if (absl::Status allowed = AuthorizeWrite(caller, name->owner); !allowed.ok()) return allowed;
  // A malformed mask is INVALID_ARGUMENT before any state check (NOT_FOUND, ABORTED).
  if (absl::Status mask = core::ValidateUpdateMask(request.update_mask()); !mask.ok()) return mask;

  const std::string key = core::RegistryKey(name->owner, name->registry_id);
  OwnerWriteQueue::Turn turn = write_queue_.Wait(name->owner.ToString());
  absl::StatusOr<v1::Registry> existing = LoadRecord(key, request.registry().name());
  if (!existing.ok()) return existing.status();
  if (!request.registry().etag().empty() && request.registry().etag() != existing->etag()) {
    core::ClearSecrets(*existing);
    return StaleEtag(request.registry().name());
  }

  absl::StatusOr<core::UpdateResult> update =
      core::ApplyUpdateMask(*existing, request.registry(), request.update_mask());
  core::ClearSecrets(*existing);
  if (!update.ok()) return update.status();
  v1::Registry& record = update->merged;
  core::ApplyCredentialDefaults(record);
  std::vector<core::FieldViolation> violations = core::ValidateRegistry(record, "registry.");
  if (!violations.empty()) {
    core::ClearSecrets(record);
    return core::InvalidArgumentError(std::move(violations));
  }

  StampRecord(record, options_.clock(), update->secret_changed);
  if (update->secret_changed) AddSecretFingerprint(audit_, record, event);
  storage::WriteBatch batch;
  batch.Put(key, record.SerializeAsString());
  absl::StatusOr<core::storage_v1::RegistryIndex> index = LoadRegistryIndex(barrier_, name->owner);
  absl::Status written = index.status();
  if (written.ok()) {
    written = StageIndexChange(name->owner, name->registry_id, &record, *index, batch);
  }
  if (written.ok()) written = CommitWithEvent(batch, event, recorded);
  InvalidateCachedIndex(name->owner.ToString());
  sodium_memzero(batch.mutations.front().value.data(), batch.mutations.front().value.size());
  if (!written.ok()) {
    core::ClearSecrets(record);
    return written;
  }
  return WithoutSecrets(std::move(record));
}

absl::Status RegistryManager::DeleteRegistry(const Call& call,
                                             const v1::DeleteRegistryRequest& request) {
  v1::RegistryEvent event = audit_.NewEvent(call, "RegistryService/DeleteRegistry");
  event.set_registry(request.name());
  bool recorded = false;
  absl::Status result = DoDelete(call.caller, request, event, recorded);
  absl::Status audited = FinishAudit(result, event, recorded);
  return audited.code() != result.code() ? audited : result;
}

absl::Status RegistryManager::DoDelete(const auth::Principal& caller,
                                       const v1::DeleteRegistryRequest& request,
                                       v1::RegistryEvent& event, bool& recorded) {
  absl::StatusOr<core::RegistryName> name = core::ParseRegistryName(request.name(), "name");
  if (!name.ok()) return name.status();
  if (name->global) return GlobalIsImmutable(caller);
  event.set_owner(name->owner.ToString());
  if (absl::Status allowed = AuthorizeWrite(caller, name->owner); !allowed.ok()) return allowed;

  const std::string key = core::RegistryKey(name->owner, name->registry_id);
  OwnerWriteQueue::Turn turn = write_queue_.Wait(name->owner.ToString());
  absl::StatusOr<v1::Registry> existing = LoadRecord(key, request.name());
  if (!existing.ok()) return existing.status();
  core::ClearSecrets(*existing);
  if (!request.etag().empty() && request.etag() != existing->etag()) {
    return StaleEtag(request.name());
  }
  storage::WriteBatch batch;
  batch.Delete(key);
  absl::StatusOr<core::storage_v1::RegistryIndex> index = LoadRegistryIndex(barrier_, name->owner);
  if (!index.ok()) return index.status();
  if (absl::Status staged =
          StageIndexChange(name->owner, name->registry_id, nullptr, *index, batch);
      !staged.ok()) {
    return staged;
  }
  absl::Status written = CommitWithEvent(batch, event, recorded);
  InvalidateCachedIndex(name->owner.ToString());
  return written;
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
