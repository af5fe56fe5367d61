#include "server/service/audit_log.h"

#include <sodium.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/core/page_token.h"
#include "server/seal/random.h"
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

constexpr char kEventPrefix[] = "a/e/";
constexpr char kTimeIndexPrefix[] = "a/t/";
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

std::string Hex64(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016" PRIx64, value);
  return buffer;
}

// Sorts newest first (inverted time), unique by a random suffix, and is a valid resource id.
std::string NewEventId(absl::Time time) {
  const uint64_t nanos = static_cast<uint64_t>(absl::ToUnixNanos(time));
  return absl::StrCat("e", Hex64(~nanos), Hex64(seal::RandomUint32()).substr(8));
}

std::string EventKeyPrefix(const core::RegistryName& registry) {
  return absl::StrCat(kEventPrefix, registry.owner.ToString(), "/", registry.registry_id, "/");
}

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
  event.set_method(absl::StrCat("cloudmanager.registry.v1.", std::string(method)));
  return event;
}

absl::Status AuditLog::Stage(std::vector<v1::RegistryEvent> events, storage::WriteBatch& batch) {
  for (v1::RegistryEvent& event : events) {
    std::optional<std::pair<std::string, std::string>> store_entry;
    if (!event.registry().empty() && !IsRefusal(event.outcome())) {
      absl::StatusOr<core::RegistryName> registry =
          core::ParseRegistryName(event.registry(), "registry");
      if (registry.ok() && !registry->global) {
        const absl::Time time = FromProtoTimestamp(event.event_time());
        const std::string event_id = NewEventId(time);
        event.set_name(absl::StrCat(event.registry(), "/events/", event_id));
        std::string key = EventKeyPrefix(*registry) + event_id;
        batch.Put(absl::StrCat(kTimeIndexPrefix, Hex64(absl::ToUnixNanos(time)), "/", event_id),
                  key);
        store_entry.emplace(std::move(key), "");
      }
    }
    if (sink_ != nullptr) {
      if (absl::Status appended = sink_->Append(event); !appended.ok()) {
        return absl::UnavailableError(
            absl::StrCat("audit log unavailable, nothing was done: ", appended.message()));
      }
    }
    if (store_entry.has_value()) batch.Put(store_entry->first, event.SerializeAsString());
  }
  return absl::OkStatus();
}

void AuditLog::RecordAsync(std::vector<v1::RegistryEvent> events,
                           std::function<void(absl::Status)> done) {
  storage::WriteBatch batch;
  if (absl::Status staged = Stage(std::move(events), batch); !staged.ok()) {
    done(staged);
    return;
  }
  if (batch.mutations.empty()) {
    done(absl::OkStatus());
    return;
  }
  barrier_.WriteAsync(std::move(batch), [done = std::move(done)](absl::Status written) {
    if (!written.ok()) {
      done(absl::UnavailableError(
          absl::StrCat("audit store unavailable, nothing was done: ", written.message())));
      return;
    }
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
  for (const storage::KeyValue& entry : *page) {
    if (!response.add_events()->ParseFromString(entry.value)) {
      return absl::DataLossError(absl::StrCat("audit event under ", entry.key, " does not parse"));
    }
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

absl::StatusOr<size_t> AuditLog::PurgeOlderThan(absl::Time cutoff, size_t max_events) {
  absl::StatusOr<std::vector<storage::KeyValue>> index =
      barrier_.Scan(kTimeIndexPrefix, "", max_events);
  if (!index.ok()) return index.status();
  const std::string cutoff_key = absl::StrCat(kTimeIndexPrefix, Hex64(absl::ToUnixNanos(cutoff)));
  storage::WriteBatch batch;
  for (const storage::KeyValue& entry : *index) {
    if (entry.key >= cutoff_key) break;
    batch.Delete(entry.key);
    batch.Delete(entry.value);
  }
  if (batch.mutations.empty()) return 0;
  if (absl::Status written = barrier_.Write(batch); !written.ok()) return written;
  return batch.mutations.size() / 2;
}

}  // namespace registry::service
