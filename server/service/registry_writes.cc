// RegistryManager's writes: Create, Update and Delete. Each is split where it must wait for the
// owner's turn: the checks that need no stored state run on the calling thread; the rest runs
// holding the turn (OwnerWriteQueue) and hands its batch, with its audit event, to
// Barrier::WriteAsync; the turn is given back and the caller answered once the batch is
// durable, on the barrier's committer thread. No thread is held while the disk syncs.
#include <sodium.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/etag.h"
#include "server/core/field_violation.h"
#include "server/core/names.h"
#include "server/core/registry_index.h"
#include "server/core/registry_validation.h"
#include "server/core/update_mask.h"
#include "server/seal/secure_bytes.h"
#include "server/service/authorization.h"
#include "server/service/await.h"
#include "server/service/registry_indexes.h"
#include "server/service/registry_manager.h"
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

// `event` as the one event of a list, copied once (a braced list would copy it twice: into the
// initializer_list, then out of it).
std::vector<v1::RegistryEvent> OneEvent(const v1::RegistryEvent& event) {
  std::vector<v1::RegistryEvent> events;
  events.push_back(event);
  return events;
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
  record.set_etag(core::ComputeEtagInPlace(record));
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
absl::Status WithAuditOutcome(absl::Status outcome, const absl::Status& audited) {
  if (audited.ok()) return outcome;
  if (outcome.ok() || audited.code() != outcome.code()) return audited;
  return outcome;
}

}  // namespace

struct RegistryManager::PendingWrite {
  v1::RegistryEvent event;
  bool recorded = false;  // The event went out with a batch (or the sink refused it).
  Answer<v1::Registry> answer;
};

// ---- the shared write path ----

std::shared_ptr<RegistryManager::PendingWrite> RegistryManager::NewPendingWrite(
    const Call& call, std::string_view method, Answer<v1::Registry> answer) const {
  auto pending = std::make_shared<PendingWrite>();
  pending->event = audit_.NewEvent(call, method);
  pending->answer = std::move(answer);
  return pending;
}

absl::StatusOr<core::storage_v1::RegistryIndex> RegistryManager::TakeIndex(
    const core::OwnerName& owner, const std::string& owner_name) {
  std::optional<core::storage_v1::RegistryIndex> kept = written_indexes_.Take(owner_name);
  if (kept.has_value()) return *std::move(kept);
  return LoadRegistryIndex(barrier_, owner);
}

void RegistryManager::RunOwnerWrite(std::shared_ptr<PendingWrite> pending,
                                    const core::OwnerName& owner_name, StageFn stage) {
  std::string owner = owner_name.ToString();
  write_queue_.Run(owner, [this, owner_name, owner, pending,
                           stage = std::move(stage)](OwnerWriteQueue::Turn turn) mutable {
    storage::WriteBatch batch;
    // Shared with the write's callback, which keeps it for the owner's next write.
    auto index = std::make_shared<core::storage_v1::RegistryIndex>();
    absl::StatusOr<core::storage_v1::RegistryIndex> loaded = TakeIndex(owner_name, owner);
    if (loaded.ok()) index->Swap(&*loaded);
    absl::StatusOr<v1::Registry> staged = loaded.ok()
                                              ? std::move(stage)(pending->event, *index, batch)
                                              : absl::StatusOr<v1::Registry>(loaded.status());
    // The audit hour index entries this write adds, remembered once it is durable.
    auto new_hours = std::make_shared<AuditLog::NewHours>();
    if (staged.ok()) {
      pending->event.set_outcome("OK");
      if (absl::Status audited = audit_.Stage(OneEvent(pending->event), batch, new_hours.get());
          !audited.ok()) {
        pending->recorded = true;  // Nothing is committed; the sink is the failure.
        core::ClearSecrets(*staged);
        staged = audited;
      }
    }
    if (!staged.ok()) {
      seal::WipePutValues(batch);  // Staged but not written.
      turn.Release();
      FinishWrite(std::move(pending), staged.status());
      return;
    }
    // The answer is encoded here, where it was built; it is handed out once the write is durable.
    if (pending->answer.prepare) {
      v1::Registry answer = WithoutSecrets(*std::move(staged));
      pending->answer.prepare(answer);
    } else {
      core::ClearSecrets(*staged);
    }
    // std::function needs copyable captures: the turn travels by shared_ptr.
    auto held = std::make_shared<OwnerWriteQueue::Turn>(std::move(turn));
    barrier_.WriteAsync(std::move(batch), [this, owner, pending, held, index,
                                           new_hours](absl::Status written) mutable {
      pending->recorded = written.ok();  // On failure, FinishWrite records the real outcome.
      if (written.ok()) {
        written_indexes_.Keep(owner, std::move(*index));
        audit_.MarkWritten(std::move(*new_hours));
      }
      if (options_.index_cache != nullptr) options_.index_cache->Invalidate(owner);
      held->Release();
      FinishWrite(std::move(pending), written);
    });
  });
}

void RegistryManager::FinishWrite(std::shared_ptr<PendingWrite> pending, absl::Status outcome) {
  if (pending->recorded) {
    pending->answer.finish(std::move(outcome));
    return;
  }
  pending->event.set_outcome(absl::StatusCodeToString(outcome.code()));
  pending->event.clear_secret_fingerprints();
  audit_.RecordAsync(OneEvent(pending->event), [pending, outcome](absl::Status audited) {
    pending->answer.finish(WithAuditOutcome(outcome, audited));
  });
}

// ---- CreateRegistry ----

absl::StatusOr<v1::Registry> RegistryManager::CreateRegistry(
    const Call& call, const v1::CreateRegistryRequest& request) {
  return Await<absl::StatusOr<v1::Registry>>(
      [&](auto done) { CreateRegistryAsync(call, request, Answer<v1::Registry>::Collect(done)); });
}

void RegistryManager::CreateRegistryAsync(const Call& call,
                                          const v1::CreateRegistryRequest& request,
                                          Answer<v1::Registry> answer) {
  auto pending = NewPendingWrite(call, "RegistryService/CreateRegistry", std::move(answer));
  pending->event.set_owner(request.parent());
  absl::StatusOr<CreatePlan> plan = PlanCreate(call.caller, request);
  if (!plan.ok()) {
    FinishWrite(std::move(pending), plan.status());
    return;
  }
  const core::OwnerName owner = plan->owner;
  RunOwnerWrite(
      std::move(pending), owner,
      [this, plan = *std::move(plan)](
          v1::RegistryEvent& event, core::storage_v1::RegistryIndex& index,
          storage::WriteBatch& batch) mutable { return StageCreate(plan, event, index, batch); });
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

absl::StatusOr<v1::Registry> RegistryManager::StageCreate(CreatePlan& plan,
                                                          v1::RegistryEvent& event,
                                                          core::storage_v1::RegistryIndex& index,
                                                          storage::WriteBatch& batch) {
  v1::Registry record = std::move(plan.record);
  const core::OwnerName& owner = plan.owner;
  const std::string owner_name = owner.ToString();
  // The owner's index names every registry it has (it commits with each change), so it
  // answers both the limit and the ALREADY_EXISTS check without scanning the records.
  absl::Status checked;
  if (index.entries_size() >= options_.max_registries_per_owner) {
    checked = absl::ResourceExhaustedError(absl::StrCat(owner_name, " already has the maximum of ",
                                                        options_.max_registries_per_owner,
                                                        " registries"));
  }
  std::string registry_id = plan.registry_id;
  if (checked.ok() && registry_id.empty()) {
    absl::StatusOr<std::string> picked = PickRegistryId(core::RegistryKeyPrefix(owner));
    checked = picked.status();
    if (picked.ok()) registry_id = *std::move(picked);
  } else if (checked.ok() &&
             std::any_of(index.entries().begin(), index.entries().end(),
                         [&](const auto& entry) { return entry.registry_id() == registry_id; })) {
    checked = absl::AlreadyExistsError(
        absl::StrCat("registry ", owner_name, "/registries/", registry_id, " already exists"));
  }
  if (!checked.ok()) {
    core::ClearSecrets(record);
    return checked;
  }

  const absl::Time now = options_.clock();
  record.set_name(core::RegistryName{owner, registry_id, false}.ToString());
  *record.mutable_create_time() = ToProtoTimestamp(now);
  StampRecord(record, now, /*secret_changed=*/true);
  event.set_registry(record.name());
  AddSecretFingerprint(audit_, record, event);

  batch.Put(core::RegistryKey(owner, registry_id), record.SerializeAsString());
  if (absl::Status staged = StageIndexChange(owner, registry_id, &record, index, batch);
      !staged.ok()) {
    core::ClearSecrets(record);
    return staged;
  }
  return record;
}

// ---- UpdateRegistry ----

absl::StatusOr<v1::Registry> RegistryManager::UpdateRegistry(
    const Call& call, const v1::UpdateRegistryRequest& request) {
  return Await<absl::StatusOr<v1::Registry>>(
      [&](auto done) { UpdateRegistryAsync(call, request, Answer<v1::Registry>::Collect(done)); });
}

void RegistryManager::UpdateRegistryAsync(const Call& call,
                                          const v1::UpdateRegistryRequest& request,
                                          Answer<v1::Registry> answer) {
  auto pending = NewPendingWrite(call, "RegistryService/UpdateRegistry", std::move(answer));
  pending->event.set_registry(request.registry().name());
  absl::StatusOr<core::RegistryName> name = CheckUpdate(call.caller, request, pending->event);
  if (!name.ok()) {
    FinishWrite(std::move(pending), name.status());
    return;
  }
  const core::OwnerName owner = name->owner;
  RunOwnerWrite(std::move(pending), owner,
                [this, name = *std::move(name), copy = v1::UpdateRegistryRequest(request)](
                    v1::RegistryEvent& event, core::storage_v1::RegistryIndex& index,
                    storage::WriteBatch& batch) mutable {
                  absl::StatusOr<v1::Registry> staged =
                      StageUpdate(name, copy, event, index, batch);
                  core::ClearSecrets(*copy.mutable_registry());
                  return staged;
                });
}

absl::StatusOr<core::RegistryName> RegistryManager::CheckUpdate(
    const auth::Principal& caller, const v1::UpdateRegistryRequest& request,
    v1::RegistryEvent& event) {
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
  return name;
}

absl::StatusOr<v1::Registry> RegistryManager::StageUpdate(const core::RegistryName& name,
                                                          const v1::UpdateRegistryRequest& request,
                                                          v1::RegistryEvent& event,
                                                          core::storage_v1::RegistryIndex& index,
                                                          storage::WriteBatch& batch) {
  const std::string key = core::RegistryKey(name.owner, name.registry_id);
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
  v1::Registry record = std::move(update->merged);
  core::ApplyCredentialDefaults(record);
  std::vector<core::FieldViolation> violations = core::ValidateRegistry(record, "registry.");
  absl::Status staged =
      violations.empty() ? absl::OkStatus() : core::InvalidArgumentError(std::move(violations));
  if (staged.ok()) {
    StampRecord(record, options_.clock(), update->secret_changed);
    if (update->secret_changed) AddSecretFingerprint(audit_, record, event);
    batch.Put(key, record.SerializeAsString());
    staged = StageIndexChange(name.owner, name.registry_id, &record, index, batch);
  }
  if (!staged.ok()) {
    core::ClearSecrets(record);
    return staged;
  }
  return record;
}

// ---- DeleteRegistry ----

absl::Status RegistryManager::DeleteRegistry(const Call& call,
                                             const v1::DeleteRegistryRequest& request) {
  return Await<absl::Status>(
      [&](StatusDone done) { DeleteRegistryAsync(call, request, std::move(done)); });
}

void RegistryManager::DeleteRegistryAsync(const Call& call,
                                          const v1::DeleteRegistryRequest& request,
                                          StatusDone done) {
  auto pending = NewPendingWrite(call, "RegistryService/DeleteRegistry",
                                 Answer<v1::Registry>{.prepare = {}, .finish = std::move(done)});
  pending->event.set_registry(request.name());
  absl::StatusOr<core::RegistryName> name = core::ParseRegistryName(request.name(), "name");
  absl::Status checked = name.status();
  if (checked.ok() && name->global) checked = GlobalIsImmutable(call.caller);
  if (checked.ok()) {
    pending->event.set_owner(name->owner.ToString());
    checked = AuthorizeWrite(call.caller, name->owner);
  }
  if (!checked.ok()) {
    FinishWrite(std::move(pending), checked);
    return;
  }
  const core::OwnerName owner = name->owner;
  RunOwnerWrite(
      std::move(pending), owner,
      [this, name = *std::move(name), request_name = request.name(), etag = request.etag()](
          v1::RegistryEvent&, core::storage_v1::RegistryIndex& index, storage::WriteBatch& batch) {
        return StageDelete(name, request_name, etag, index, batch);
      });
}

absl::StatusOr<v1::Registry> RegistryManager::StageDelete(const core::RegistryName& name,
                                                          const std::string& request_name,
                                                          const std::string& etag,
                                                          core::storage_v1::RegistryIndex& index,
                                                          storage::WriteBatch& batch) {
  const std::string key = core::RegistryKey(name.owner, name.registry_id);
  absl::StatusOr<v1::Registry> existing = LoadRecord(key, request_name);
  if (!existing.ok()) return existing.status();
  core::ClearSecrets(*existing);
  if (!etag.empty() && etag != existing->etag()) return StaleEtag(request_name);
  batch.Delete(key);
  if (absl::Status staged = StageIndexChange(name.owner, name.registry_id, nullptr, index, batch);
      !staged.ok()) {
    return staged;
  }
  return v1::Registry();
}

}  // namespace registry::service
