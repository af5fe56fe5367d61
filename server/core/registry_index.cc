#include "server/core/registry_index.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace registry::core {
namespace {

storage_v1::RegistryIndexEntry EntryOf(const v1::Registry& record, std::string_view registry_id,
                                       const ServerKey& server) {
  storage_v1::RegistryIndexEntry entry;
  entry.set_registry_id(std::string(registry_id));
  entry.set_name(record.name());
  entry.set_server(record.server());
  entry.set_create_time_nanos(
      absl::ToUnixNanos(absl::FromUnixSeconds(record.create_time().seconds()) +
                        absl::Nanoseconds(record.create_time().nanos())));
  for (const std::string& label : server.host_labels) entry.add_host_labels(label);
  entry.set_port(server.port);
  for (const std::string& segment : server.path_segments) entry.add_path_segments(segment);
  entry.set_docker_hub(server.docker_hub);
  entry.set_wildcard_labels(server.wildcard_labels);
  return entry;
}

}  // namespace

std::string RegistryIndexKey(const OwnerName& owner) {
  return absl::StrCat("x/", owner.ToString(), "/");
}

absl::Status UpsertIndexEntry(storage_v1::RegistryIndex& index, const v1::Registry& record) {
  absl::StatusOr<RegistryName> name = ParseRegistryName(record.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<ServerKey> server = ParseServerKey(record.server());
  if (!server.ok()) return server.status();
  RemoveIndexEntry(index, name->registry_id);
  storage_v1::RegistryIndexEntry entry = EntryOf(record, name->registry_id, *server);
  const TryOrderKey order = TryOrderOf(entry);
  auto& entries = *index.mutable_entries();
  auto position = std::find_if(entries.begin(), entries.end(),
                               [&](const auto& existing) { return order < TryOrderOf(existing); });
  const int at = static_cast<int>(position - entries.begin());
  *entries.Add() = std::move(entry);
  for (int i = entries.size() - 1; i > at; --i) entries.SwapElements(i, i - 1);
  return absl::OkStatus();
}

bool RemoveIndexEntry(storage_v1::RegistryIndex& index, std::string_view registry_id) {
  auto& entries = *index.mutable_entries();
  for (int i = 0; i < entries.size(); ++i) {
    if (entries[i].registry_id() != registry_id) continue;
    entries.erase(entries.begin() + i);
    return true;
  }
  return false;
}

TryOrderKey TryOrderOf(const storage_v1::RegistryIndexEntry& entry) {
  return {.negated_path_segments = -static_cast<int64_t>(entry.path_segments_size()),
          .wildcard_labels = entry.wildcard_labels(),
          .create_time_nanos = entry.create_time_nanos(),
          .name = entry.name()};
}

MatchCandidate CandidateOf(const storage_v1::RegistryIndexEntry& entry) {
  MatchCandidate candidate;
  candidate.name = entry.name();
  candidate.server.host_labels.assign(entry.host_labels().begin(), entry.host_labels().end());
  candidate.server.port = entry.port();
  candidate.server.path_segments.assign(entry.path_segments().begin(), entry.path_segments().end());
  candidate.server.docker_hub = entry.docker_hub();
  candidate.server.wildcard_labels = entry.wildcard_labels();
  candidate.create_time_nanos = entry.create_time_nanos();
  return candidate;
}

}  // namespace registry::core
