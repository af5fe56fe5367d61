#include "server/service/audit_keys.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/seal/random.h"

namespace registry::service {

std::string Hex64(uint64_t value) { return absl::StrCat(absl::Hex(value, absl::kZeroPad16)); }

std::string NewEventId(absl::Time time) {
  const uint64_t nanos = static_cast<uint64_t>(absl::ToUnixNanos(time));
  return absl::StrCat("e", absl::Hex(~nanos, absl::kZeroPad16),
                      absl::Hex(seal::RandomUint32(), absl::kZeroPad8));
}

std::string EventKeyPrefix(const core::RegistryName& registry) {
  return absl::StrCat(kAuditEventPrefix, registry.owner.ToString(), "/", registry.registry_id, "/");
}

absl::Time HourStart(absl::Time time) {
  const int64_t seconds = absl::ToUnixSeconds(time);  // Rounds down.
  int64_t hours = seconds / 3600;
  if (seconds % 3600 < 0) --hours;
  return absl::FromUnixSeconds(hours * 3600);
}

std::string HourIndexKey(absl::Time hour_start, const core::OwnerName& owner) {
  return absl::StrCat(
      kAuditHourIndexPrefix,
      absl::Hex(static_cast<uint64_t>(absl::ToUnixNanos(hour_start)), absl::kZeroPad16), "/",
      owner.ToString(), "/");
}

std::string_view RegistryEventsPrefixOf(std::string_view event_key) {
  return event_key.substr(0, event_key.rfind('/') + 1);
}

std::optional<HourIndexEntry> ParseHourIndexKey(std::string_view key) {
  constexpr std::string_view kPrefix = kAuditHourIndexPrefix;
  if (!key.starts_with(kPrefix)) return std::nullopt;
  key.remove_prefix(kPrefix.size());
  uint64_t nanos = 0;
  constexpr size_t kHexDigits = 16;
  if (key.size() <= kHexDigits + 1 || key[kHexDigits] != '/' ||
      !absl::SimpleHexAtoi(absl::string_view(key.data(), kHexDigits), &nanos) ||
      !key.ends_with('/')) {
    return std::nullopt;
  }
  return HourIndexEntry{
      .hour_start = absl::FromUnixNanos(static_cast<int64_t>(nanos)),
      .events_prefix = absl::StrCat(kAuditEventPrefix, std::string(key.substr(kHexDigits + 1)))};
}

std::string ExpiredEventsStart(std::string_view events_prefix, absl::Time cutoff) {
  // Event ids are "e" + hex(~nanos) + 8 random hex digits (AuditLog): an event is older than
  // the cutoff exactly when its hex(~nanos) is greater than the cutoff's.
  const uint64_t inverted = ~static_cast<uint64_t>(absl::ToUnixNanos(cutoff));
  return absl::StrCat(std::string(events_prefix), "e", Hex64(inverted), "ffffffff");
}

bool WrittenHours::Contains(absl::Time hour_start, const std::string& key) const {
  absl::MutexLock lock(&mu_);
  return hour_ == hour_start && keys_.contains(key);
}

void WrittenHours::Add(absl::Time hour_start, std::string key) {
  absl::MutexLock lock(&mu_);
  if (hour_ != hour_start) {
    if (hour_start < hour_) return;  // A late write of an hour already left behind.
    hour_ = hour_start;
    keys_.clear();
  }
  if (keys_.size() >= capacity_) keys_.clear();
  keys_.insert(std::move(key));
}

}  // namespace registry::service
