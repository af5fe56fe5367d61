// RegistryManager: the use cases behind RegistryService — validate, authorize, act — on
// absl::Status, with no gRPC types. It sees storage only through the sealing barrier.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cloudmanager/registry/v1/registry_service.pb.h"
#include "server/auth/principal.h"
#include "server/core/registry_index.h"
#include "server/seal/barrier.h"
#include "server/service/answer.h"
#include "server/service/audit_log.h"
#include "server/service/call.h"
#include "server/service/owner_index_cache.h"
#include "server/service/owner_write_queue.h"
#include "server/service/written_index_cache.h"

namespace registry::service {

namespace v1 = ::cloudmanager::registry::v1;

struct RegistryManagerOptions {
  // Create fails with RESOURCE_EXHAUSTED once an owner holds this many registries.
  int max_registries_per_owner = 200;
  // Source of create/update times. Defaults to absl::Now.
  std::function<absl::Time()> clock{};
  // Source of random bytes for server-chosen registry ids. Defaults to libsodium randombytes.
  std::function<uint64_t()> random{};
  // The resolver's cache of owner indexes; every write of an owner invalidates its entry.
  // Null when nothing caches indexes. Must outlive the manager.
  OwnerIndexCache* index_cache = nullptr;
  // How many index entries (over all owners) the writes keep decoded between one write of an
  // owner and the next (WrittenIndexCache); ~100 bytes each.
  size_t written_index_entries = 65536;
};

// Thread safety: all methods may be called concurrently. Mutations of one owner are serialized
// (read-check-write holding the owner's turn of an OwnerWriteQueue until the write is durable),
// so limits, ALREADY_EXISTS and etags hold under races.
// Every response has its secrets removed; errors never contain secret values.
// Every mutating call, failed or not, is an audit event; a successful change commits in the same
// batch as its event. When the audit log cannot record, the call fails with UNAVAILABLE and
// nothing changes.
class RegistryManager final {
 public:
  // `barrier` and `audit` must outlive the manager.
  RegistryManager(seal::Barrier& barrier, AuditLog& audit, RegistryManagerOptions options);
  RegistryManager(const RegistryManager&) = delete;
  RegistryManager& operator=(const RegistryManager&) = delete;

  using StatusDone = std::function<void(absl::Status)>;

  // The writes come in two forms. The *Async one holds no thread while the write syncs: the
  // answer (Create, Update: the registry as stored, without secrets) goes to `answer.prepare`
  // on the thread that staged the write, before the write; `answer.finish` (Delete: `done`) runs
  // exactly once with the outcome, on this thread (refused before any write) or on the
  // barrier's reporter thread (once the change and its audit event are durable); it must not
  // block. The owner's later writes wait for it without holding a thread either. The plain one
  // waits for that outcome. REQUIRES (plain form): not called from a barrier callback.

  // INVALID_ARGUMENT (BadRequest on parent, registry_id, registry.*), PERMISSION_DENIED,
  // ALREADY_EXISTS, RESOURCE_EXHAUSTED past the per-owner limit.
  absl::StatusOr<v1::Registry> CreateRegistry(const Call& call,
                                              const v1::CreateRegistryRequest& request);
  void CreateRegistryAsync(const Call& call, const v1::CreateRegistryRequest& request,
                           Answer<v1::Registry> answer);
  // INVALID_ARGUMENT (update_mask, registry.*), PERMISSION_DENIED, NOT_FOUND, ABORTED on a stale
  // etag, FAILED_PRECONDITION for the global registry.
  absl::StatusOr<v1::Registry> UpdateRegistry(const Call& call,
                                              const v1::UpdateRegistryRequest& request);
  void UpdateRegistryAsync(const Call& call, const v1::UpdateRegistryRequest& request,
                           Answer<v1::Registry> answer);
  // Like UpdateRegistry for its codes.
  absl::Status DeleteRegistry(const Call& call, const v1::DeleteRegistryRequest& request);
  void DeleteRegistryAsync(const Call& call, const v1::DeleteRegistryRequest& request,
                           StatusDone done);

  // INVALID_ARGUMENT on name, PERMISSION_DENIED, NOT_FOUND, DATA_LOSS if the record won't open.
  absl::StatusOr<v1::Registry> GetRegistry(const Call& call, const v1::GetRegistryRequest& request);
  // The global default first on the first page, then the owner's registries by id.
  absl::StatusOr<v1::ListRegistriesResponse> ListRegistries(
      const Call& call, const v1::ListRegistriesRequest& request);
  // Any authenticated caller.
  absl::StatusOr<v1::ListPresetsResponse> ListPresets(const Call& call,
                                                      const v1::ListPresetsRequest& request);
  // The registry's audit trail, newest first. INVALID_ARGUMENT on parent/page fields,
  // PERMISSION_DENIED as for GetRegistry. The global registry has no trail (empty page).
  absl::StatusOr<v1::ListRegistryEventsResponse> ListRegistryEvents(
      const Call& call, const v1::ListRegistryEventsRequest& request);

 private:
  // A create validated and authorized, before the owner's registries are looked at.
  struct CreatePlan {
    core::OwnerName owner;
    std::string registry_id;  // Empty: the server picks one.
    v1::Registry record;      // As requested, defaults applied; holds the secret.
  };
  // A write in progress: its audit event and its caller's answer (registry_writes.cc).
  struct PendingWrite;
  // Holding the owner's turn: checks the stored state (`index` is the owner's stored index) and
  // stages the change (record and index, changing `index` to what it stores) into the batch,
  // possibly adding to the event (registry, fingerprints); returns the record as stored, secret
  // included (Delete: an empty one), or why nothing is written.
  using StageFn =
      absl::AnyInvocable<absl::StatusOr<v1::Registry>(v1::RegistryEvent& event,
                                                      core::storage_v1::RegistryIndex& index,
                                                      storage::WriteBatch& batch) &&>;

  // A write of `method` by `call`'s caller, answered through `answer` (Delete: no prepare).
  std::shared_ptr<PendingWrite> NewPendingWrite(const Call& call, std::string_view method,
                                                Answer<v1::Registry> answer) const;
  // Runs `stage` with `owner`'s turn and index, adds the event (outcome OK; appended to the
  // audit sink) to its batch and hands the batch to Barrier::WriteAsync; once it is durable (or
  // failed) keeps the changed index for the owner's next write (durable only), drops the
  // resolver's cached index of `owner`, gives the turn back and finishes `pending`. The answer
  // (the stored record without secrets) is prepared before the write, on the staging thread.
  void RunOwnerWrite(std::shared_ptr<PendingWrite> pending, const core::OwnerName& owner,
                     StageFn stage);
  // `owner`'s stored index, from written_indexes_ or the store. REQUIRES: holding its turn.
  absl::StatusOr<core::storage_v1::RegistryIndex> TakeIndex(const core::OwnerName& owner,
                                                            const std::string& owner_name);
  // Records the failure event of `pending` unless it was recorded, then finishes its answer
  // with `outcome`; never blocks.
  void FinishWrite(std::shared_ptr<PendingWrite> pending, absl::Status outcome);

  // The parts of a create that need no stored state: parse, validate, authorize.
  absl::StatusOr<CreatePlan> PlanCreate(const auth::Principal& caller,
                                        const v1::CreateRegistryRequest& request);
  // StageFn of a create: checks `plan` against the owner's index (limit, ALREADY_EXISTS),
  // completes and stamps the record.
  absl::StatusOr<v1::Registry> StageCreate(CreatePlan& plan, v1::RegistryEvent& event,
                                           core::storage_v1::RegistryIndex& index,
                                           storage::WriteBatch& batch);
  // The parts of an update that need no stored state (sets the event's owner); its name.
  absl::StatusOr<core::RegistryName> CheckUpdate(const auth::Principal& caller,
                                                 const v1::UpdateRegistryRequest& request,
                                                 v1::RegistryEvent& event);
  // StageFn of an update: etag, update mask, validation, stamp.
  absl::StatusOr<v1::Registry> StageUpdate(const core::RegistryName& name,
                                           const v1::UpdateRegistryRequest& request,
                                           v1::RegistryEvent& event,
                                           core::storage_v1::RegistryIndex& index,
                                           storage::WriteBatch& batch);
  // StageFn of a delete: existence and etag.
  absl::StatusOr<v1::Registry> StageDelete(const core::RegistryName& name,
                                           const std::string& request_name, const std::string& etag,
                                           core::storage_v1::RegistryIndex& index,
                                           storage::WriteBatch& batch);

  // The copy of a stored record that may leave the service: secrets removed.
  static v1::Registry WithoutSecrets(v1::Registry record);
  absl::StatusOr<v1::Registry> LoadRecord(const std::string& key, const std::string& name);
  absl::StatusOr<std::string> PickRegistryId(const std::string& owner_prefix);
  // Changes `index` (the owner's stored index, holding the owner's turn) — `record`'s entry
  // added/replaced (record != null) or the entry of `registry_id` removed (record == null) — and
  // stages it into `batch`.
  absl::Status StageIndexChange(const core::OwnerName& owner, std::string_view registry_id,
                                const v1::Registry* record, core::storage_v1::RegistryIndex& index,
                                storage::WriteBatch& batch);

  seal::Barrier& barrier_;
  AuditLog& audit_;
  RegistryManagerOptions options_;
  OwnerWriteQueue write_queue_;
  WrittenIndexCache written_indexes_;
};

}  // namespace registry::service
