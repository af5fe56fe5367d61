// AuditLog: records audit events in the sealed store (per registry, newest first, with an hourly
// index for retention) and in an optional AuditSink, and lists a registry's trail.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cloudmanager/registry/v1/registry_event.pb.h"
#include "cloudmanager/registry/v1/registry_service.pb.h"
#include "server/core/names.h"
#include "server/seal/barrier.h"
#include "server/service/audit_keys.h"
#include "server/service/audit_sink.h"
#include "server/service/call.h"

namespace registry::service {

namespace v1 = ::cloudmanager::registry::v1;

// Thread-safe. Store entries (sealed through the barrier; audit_keys.h):
//   a/e/{owner}/{registry_id}/{event_id} → RegistryEvent   (event_id sorts newest first;
//                                           stored without name, owner and registry, which
//                                           the key says and List fills back in)
//   a/h/{hour}/{owner}/                  → empty           (retention index, one per hour)
// Events without a registry, and refused calls (PERMISSION_DENIED, INVALID_ARGUMENT), go to
// the sink only, so strangers cannot flood an owner's trail. Calls without a valid token never
// reach the service, so they are not audited (there is no actor to record).
class AuditLog final {
 public:
  // `barrier` must outlive the log; `sink` may be null; `clock` defaults to absl::Now.
  AuditLog(seal::Barrier& barrier, AuditSinkPtr sink, std::function<absl::Time()> clock = nullptr);

  // A new event for `call` of `method` (e.g. "RegistryService/CreateRegistry") at now.
  v1::RegistryEvent NewEvent(const Call& call, std::string_view method) const;

  // Hour index entries a staged batch adds (see Stage).
  using NewHours = std::vector<std::pair<absl::Time, std::string>>;

  // Writes `events` to the sink and appends their store entries to `batch`, so they commit
  // atomically with the change they describe. UNAVAILABLE when the sink fails: the caller
  // must then not commit `batch`. With `new_hours`, hour index entries this log knows durable
  // are left out and the ones staged are listed there: hand them to MarkWritten once `batch`
  // is durable (and drop them if it fails). Without, every entry is staged (idempotent).
  absl::Status Stage(std::vector<v1::RegistryEvent> events, storage::WriteBatch& batch,
                     NewHours* new_hours = nullptr);
  // Remembers the hour index entries of a durable batch, so later events can leave them out.
  void MarkWritten(NewHours new_hours);

  // Stage + commit, for calls that change nothing else (resolves, refused calls).
  absl::Status Record(std::vector<v1::RegistryEvent> events);

  // Record without waiting for the disk: the sink append happens now, the store entries are
  // group-committed (Barrier::WriteAsync). `done` runs exactly once with Record's outcome,
  // possibly on the barrier's committer thread; it must not block.
  void RecordAsync(std::vector<v1::RegistryEvent> events, std::function<void(absl::Status)> done);

  // One page of `registry`'s events, newest first. INVALID_ARGUMENT on page_size/page_token.
  absl::StatusOr<v1::ListRegistryEventsResponse> List(const core::RegistryName& registry,
                                                      int page_size, const std::string& page_token);

  // What one PurgeOlderThan call did.
  struct Purged {
    size_t events = 0;  // Events removed.
    bool more = false;  // It stopped at its budget: call again for the rest.
  };
  // Removes events older than `cutoff` (and the retention index entries that only named them),
  // at most `max_keys` keys per call, in one write. Events of an hour are found once that hour
  // has ended by the cutoff.
  absl::StatusOr<Purged> PurgeOlderThan(absl::Time cutoff, size_t max_keys);

  // Keyed fingerprint of a secret version (never the secret).
  std::string Fingerprint(std::string_view secret) const { return barrier_.Fingerprint(secret); }

 private:
  // Stages the deletion of the events under `owner_events_prefix` older than `cutoff`, at most
  // `budget`, registry by registry; returns how many.
  absl::StatusOr<size_t> StageOwnerPurge(const std::string& owner_events_prefix, absl::Time cutoff,
                                         size_t budget, storage::WriteBatch& batch);

  seal::Barrier& barrier_;
  AuditSinkPtr sink_;
  std::function<absl::Time()> clock_;
  WrittenHours written_hours_;
};

}  // namespace registry::service
