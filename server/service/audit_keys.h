// The audit trail's store keys (AuditLog):
//   a/e/{owner}/{registry_id}/{event_id}          → RegistryEvent (event ids sort newest first)
//   a/h/{hour start, ns, hex}/{owner}/            → empty: the retention index
//   a/t/{nanos hex}/{event_id}                    → an a/e/ key: the retention index of data
//                                                   written before the hourly one; only swept
// The hourly index has one entry per owner per UTC hour in which one of its registries got a
// stored event: the retention sweep visits the hours that ended before the cutoff and removes,
// registry by registry, the named owner's events older than the cutoff (one seek each). An
// entry is written with the owner's first event in an hour (an idempotent Put), so an owner
// resolved a thousand times an hour costs one index entry, not one per event. WrittenHours
// remembers which entries this process already wrote durably in the current hour, so resolves and
// registry writes can skip them. Events are stored without name, owner and registry (the key says
// them; AuditLog::List fills them back in).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/names.h"

namespace registry::service {

inline constexpr char kAuditEventPrefix[] = "a/e/";
inline constexpr char kAuditHourIndexPrefix[] = "a/h/";
inline constexpr char kAuditLegacyTimeIndexPrefix[] = "a/t/";

// Fixed-width lowercase hex (16 digits), so the order of keys is the order of values.
std::string Hex64(uint64_t value);

// A new event id for an event at `time`: sorts newest first, unique by a random suffix, and a
// valid resource id.
std::string NewEventId(absl::Time time);

// "a/e/{owner}/{registry_id}/": the prefix of `registry`'s events.
std::string EventKeyPrefix(const core::RegistryName& registry);

// The "a/e/{owner}/{registry_id}/" prefix of an event key (everything up to its last '/').
std::string_view RegistryEventsPrefixOf(std::string_view event_key);

// The start of the UTC hour holding `time`.
absl::Time HourStart(absl::Time time);

// `owner`'s index entry for the hour starting at `hour_start`.
std::string HourIndexKey(absl::Time hour_start, const core::OwnerName& owner);

// An index entry, read back.
struct HourIndexEntry {
  absl::Time hour_start;
  std::string events_prefix;  // "a/e/{owner}/": the owner's events.
};
// Nullopt when `key` is not an index entry key.
std::optional<HourIndexEntry> ParseHourIndexKey(std::string_view key);

// The key after which the events under `events_prefix` older than `cutoff` start (event ids
// sort newest first), for Barrier::ScanKeys.
std::string ExpiredEventsStart(std::string_view events_prefix, absl::Time cutoff);

// The index entries this process wrote durably in the current hour. Thread-safe; bounded (past
// `capacity` entries it forgets them all, which only means writing some entries again).
class WrittenHours final {
 public:
  explicit WrittenHours(size_t capacity = 131072) : capacity_(capacity) {}

  // Whether `key` (an index entry of the hour starting at `hour_start`) is known written.
  bool Contains(absl::Time hour_start, const std::string& key) const;
  // Remembers `key` of the hour starting at `hour_start` as written (call once durable). A key
  // of an earlier hour than the current one is ignored; a later hour starts the set over.
  void Add(absl::Time hour_start, std::string key);

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::Time hour_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::flat_hash_set<std::string> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace registry::service
