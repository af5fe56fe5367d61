#include "server/service/audit_log.h"

#include <sodium.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/core/page_token.h"
#include "server/service/audit_keys.h"
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

// Refused calls stay out of the owner's trail (they go to the sink only).
bool IsRefusal(const std::string& outcome) {
  return outcome == "PERMISSION_DENIED" || outcome == "INVALID_ARGUMENT" ||
         outcome == "UNAUTHENTICATED";
}

}  // namespace

AuditLog::AuditLog(seal::Barrier& barrier, AuditSinkPtr sink, std::function<absl::Time()> clock)
    : barrier_(barrier), sink_(std::move(sink)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return absl::Now(); };
}

v1::RegistryEvent AuditLog::NewEvent(const Call& call, std::string_view method) const {
  v1::RegistryEvent event;
  *event.mutable_event_time() = ToProtoTimestamp(clock_());
  event.set_request_id(call.request_id);
  event.set_actor(call.caller.subject);
  std::vector<std::string> scopes(call.caller.scopes.begin(), call.caller.scopes.end());
  std::sort(scopes.begin(), scopes.end());
  for (std::string& scope : scopes) event.add_actor_scopes(std::move(scope));
  event.set_method(
      absl::StrCat("cloudmanager.registry.v1.", absl::string_view(method.data(), method.size())));
  return event;
}

void AuditLog::MarkWritten(NewHours new_hours) {
  for (auto& [hour, key] : new_hours) written_hours_.Add(hour, std::move(key));
}

absl::Status AuditLog::Stage(std::vector<v1::RegistryEvent> events, storage::WriteBatch& batch,
                             NewHours* new_hours) {
  for (v1::RegistryEvent& event : events) {
    std::optional<std::string> store_key;
    if (!event.registry().empty() && !IsRefusal(event.outcome())) {
      absl::StatusOr<core::RegistryName> registry =
          core::ParseRegistryName(event.registry(), "registry");
      if (registry.ok() && !registry->global) {
        const absl::Time time = FromProtoTimestamp(event.event_time());
        const std::string event_id = NewEventId(time);
        // The name is for the sink only: the stored form leaves it out (below).
        if (sink_ != nullptr) event.set_name(absl::StrCat(event.registry(), "/events/", event_id));
        store_key = EventKeyPrefix(*registry) + event_id;
        const absl::Time hour = HourStart(time);
        std::string hour_key = HourIndexKey(hour, registry->owner);
        if (new_hours == nullptr || !written_hours_.Contains(hour, hour_key)) {
          batch.Put(hour_key, "");
          if (new_hours != nullptr) new_hours->emplace_back(hour, std::move(hour_key));
        }
      }
    }
    if (sink_ != nullptr) {
      if (absl::Status appended = sink_->Append(event); !appended.ok()) {
        return absl::UnavailableError(
            absl::StrCat("audit log unavailable, nothing was done: ", appended.message()));
      }
    }
    if (store_key.has_value()) {
      // The stored form leaves out what its key already says (List puts it back): ~110 of a
      // resolve event's ~330 bytes, written, logged and kept for the whole retention.
      event.clear_name();
      event.clear_owner();
      event.clear_registry();
      batch.Put(*store_key, event.SerializeAsString());
    }
  }
  return absl::OkStatus();
}

void AuditLog::RecordAsync(std::vector<v1::RegistryEvent> events,
                           std::function<void(absl::Status)> done) {
  storage::WriteBatch batch;
  NewHours staged_hours;
  if (absl::Status staged = Stage(std::move(events), batch, &staged_hours); !staged.ok()) {
    done(staged);
    return;
  }
  if (batch.mutations.empty()) {
    done(absl::OkStatus());
    return;
  }
  // std::function needs copyable captures; most resolves add no hour entry (no allocation).
  std::shared_ptr<NewHours> new_hours =
      staged_hours.empty() ? nullptr : std::make_shared<NewHours>(std::move(staged_hours));
  barrier_.WriteAsync(
      std::move(batch), [this, new_hours, done = std::move(done)](absl::Status written) {
        if (!written.ok()) {
          done(absl::UnavailableError(
              absl::StrCat("audit store unavailable, nothing was done: ", written.message())));
          return;
        }
        // Durable now: later events of these owners in these hours can skip their entries.
        if (new_hours != nullptr) MarkWritten(std::move(*new_hours));
        done(absl::OkStatus());
      });
}

absl::Status AuditLog::Record(std::vector<v1::RegistryEvent> events) {
  storage::WriteBatch batch;
  if (absl::Status staged = Stage(std::move(events), batch); !staged.ok()) return staged;
  if (batch.mutations.empty()) return absl::OkStatus();
  if (absl::Status written = barrier_.Write(batch); !written.ok()) {
    return absl::UnavailableError(
        absl::StrCat("audit store unavailable, nothing was done: ", written.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListRegistryEventsResponse> AuditLog::List(const core::RegistryName& registry,
                                                              int page_size,
                                                              const std::string& page_token) {
  // Every bad field at once (page_size and page_token).
  std::vector<core::FieldViolation> violations;
  if (page_size < 0) violations.push_back({"page_size", "must not be negative"});
  page_size = page_size <= 0 ? kDefaultPageSize : std::min(page_size, kMaxPageSize);
  const std::string prefix = EventKeyPrefix(registry);
  std::string start_after;
  if (!page_token.empty()) {
    absl::StatusOr<core::PageToken> token = core::DecodePageToken(page_token);
    if (!token.ok()) {
      for (core::FieldViolation& v : core::ViolationsOf(token.status())) {
        violations.push_back(std::move(v));
      }
    } else if (token->parent != registry.ToString()) {
      violations.push_back({"page_token", "was issued for another parent; start again without it"});
    } else {
      start_after = prefix + token->last_registry_id;
    }
  }
  if (!violations.empty()) return core::InvalidArgumentError(std::move(violations));
  absl::StatusOr<std::vector<storage::KeyValue>> page =
      barrier_.Scan(prefix, start_after, static_cast<size_t>(page_size));
  if (!page.ok()) return page.status();
  v1::ListRegistryEventsResponse response;
  const std::string registry_name = registry.ToString();
  const std::string owner_name = registry.owner.ToString();
  for (const storage::KeyValue& entry : *page) {
    v1::RegistryEvent* event = response.add_events();
    if (!event->ParseFromString(entry.value)) {
      return absl::DataLossError(absl::StrCat("audit event under ", entry.key, " does not parse"));
    }
    // What the stored form leaves out, from the key (the barrier binds each value to its key).
    // Events stored before the compact form carry the same values.
    event->set_name(absl::StrCat(registry_name, "/events/", entry.key.substr(prefix.size())));
    event->set_owner(owner_name);
    event->set_registry(registry_name);
  }
  if (static_cast<int>(page->size()) == page_size) {
    absl::StatusOr<std::vector<std::string>> more = barrier_.ScanKeys(prefix, page->back().key, 1);
    if (!more.ok()) return more.status();
    if (!more->empty()) {
      response.set_next_page_token(
          core::EncodePageToken({registry.ToString(), page->back().key.substr(prefix.size())}));
    }
  }
  return response;
}

absl::StatusOr<size_t> AuditLog::StageOwnerPurge(const std::string& owner_events_prefix,
                                                 absl::Time cutoff, size_t budget,
                                                 storage::WriteBatch& batch) {
  size_t removed = 0;
  std::string after;  // Registry by registry: the next registry's events start after this.
  while (removed < budget) {
    absl::StatusOr<std::vector<std::string>> next =
        barrier_.ScanKeys(owner_events_prefix, after, 1);
    if (!next.ok()) return next.status();
    if (next->empty()) break;
    const std::string registry_prefix(RegistryEventsPrefixOf(next->front()));
    if (registry_prefix.size() <= owner_events_prefix.size()) {  // Not an event of a registry.
      after = next->front();
      continue;
    }
    absl::StatusOr<std::vector<std::string>> expired = barrier_.ScanKeys(
        registry_prefix, ExpiredEventsStart(registry_prefix, cutoff), budget - removed);
    if (!expired.ok()) return expired.status();
    for (const std::string& event_key : *expired) batch.Delete(event_key);
    removed += expired->size();
    after = registry_prefix + "\xff";  // Past every event id (they are ASCII).
  }
  return removed;
}

absl::StatusOr<AuditLog::Purged> AuditLog::PurgeOlderThan(absl::Time cutoff, size_t max_keys) {
  Purged purged;
  storage::WriteBatch batch;
  size_t budget = max_keys;
  absl::flat_hash_set<std::string> swept;  // Owners (events prefixes) swept so far.
  // Hours that ended by the cutoff, oldest first: each named owner's events older than the
  // cutoff, then the entry itself (kept while the owner still had more than the budget).
  absl::StatusOr<std::vector<std::string>> hours =
      barrier_.ScanKeys(kAuditHourIndexPrefix, "", budget);
  if (!hours.ok()) return hours.status();
  for (const std::string& key : *hours) {
    if (budget == 0) break;
    std::optional<HourIndexEntry> entry = ParseHourIndexKey(key);
    if (entry.has_value() && entry->hour_start + absl::Hours(1) > cutoff) break;
    // An owner with entries for several hours is swept once (the deletes are not written yet).
    if (entry.has_value() && swept.insert(entry->events_prefix).second) {
      absl::StatusOr<size_t> removed = StageOwnerPurge(entry->events_prefix, cutoff, budget, batch);
      if (!removed.ok()) return removed.status();
      purged.events += *removed;
      budget -= *removed;
      if (budget == 0) break;
    }
    batch.Delete(key);  // (A key that does not parse is not ours to keep either.)
    --budget;
  }
  // The per-event time index of data written before the hourly one.
  if (budget > 0) {
    absl::StatusOr<std::vector<storage::KeyValue>> legacy =
        barrier_.Scan(kAuditLegacyTimeIndexPrefix, "", budget);
    if (!legacy.ok()) return legacy.status();
    const std::string cutoff_key = absl::StrCat(
        kAuditLegacyTimeIndexPrefix, Hex64(static_cast<uint64_t>(absl::ToUnixNanos(cutoff))));
    for (const storage::KeyValue& entry : *legacy) {
      if (entry.key >= cutoff_key || budget < 2) break;
      batch.Delete(entry.key);
      batch.Delete(entry.value);
      ++purged.events;
      budget -= 2;
    }
  }
  purged.more = budget < 2;  // (A legacy entry takes two.)
  if (batch.mutations.empty()) return purged;
  if (absl::Status written = barrier_.Write(batch); !written.ok()) return written;
  return purged;
}

}  // namespace registry::service
