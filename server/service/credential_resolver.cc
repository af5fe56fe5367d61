#include "server/service/credential_resolver.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/credentials.h"
#include "server/core/docker_config.h"
#include "server/core/field_violation.h"
#include "server/core/image_key.h"
#include "server/core/image_reference.h"
#include "server/core/matching.h"
#include "server/core/names.h"
#include "server/core/presets.h"
#include "server/core/registry_index.h"
#include "server/core/registry_validation.h"
#include "server/core/server_key.h"
#include "server/core/sodium_codec.h"
#include "server/service/await.h"
#include "server/service/registry_indexes.h"
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

constexpr int kMaxImages = 100;

struct ValidatedRequest {
  core::OwnerName owner;
  std::vector<core::ImageReference> images{};
  std::optional<core::RegistryName> registry{};
  bool explain = false;
};

absl::StatusOr<ValidatedRequest> Validate(const v1::ResolveCredentialsRequest& request) {
  absl::StatusOr<core::OwnerName> owner = core::ParseOwnerName(request.owner(), "owner");
  if (!owner.ok()) return owner.status();
  ValidatedRequest validated{.owner = *std::move(owner), .explain = request.explain()};
  std::vector<core::FieldViolation> violations;
  if (!request.registry().empty()) {
    absl::StatusOr<core::RegistryName> name =
        core::ParseRegistryName(request.registry(), "registry");
    if (!name.ok()) return name.status();
    if (!name->global && !(name->owner == validated.owner)) {
      violations.push_back({"registry", "must be a registry of `owner` or registries/docker-hub"});
    }
    validated.registry = *std::move(name);
  }
  if (request.action() != v1::ACTION_PULL && request.action() != v1::ACTION_PUSH) {
    violations.push_back({"action", "must be ACTION_PULL or ACTION_PUSH"});
  }
  if (request.images().empty() || request.images_size() > kMaxImages) {
    violations.push_back({"images", absl::StrCat("must hold 1 to ", kMaxImages, " images")});
  } else {
    for (int i = 0; i < request.images_size(); ++i) {
      absl::StatusOr<core::ImageReference> image = core::ParseImageReference(request.images(i));
      if (!image.ok()) {
        violations.push_back(
            {absl::StrCat("images[", i, "]"), std::string(image.status().message())});
      } else {
        validated.images.push_back(*std::move(image));
      }
    }
  }
  if (!violations.empty()) return core::InvalidArgumentError(std::move(violations));
  return validated;
}

// The registries that may answer one call, most specific first (shared with the cache,
// immutable), and the records of those that answered, opened once each (secrets: wiped).
struct Candidates {
  IndexedRegistriesPtr registries;
  std::vector<std::optional<v1::Registry>> records{};  // Parallel to *registries.
  std::vector<std::string> servers{};  // With `explain`: each one's server as stored.

  Candidates() = default;
  Candidates(const Candidates&) = delete;
  Candidates& operator=(const Candidates&) = delete;
  ~Candidates() {
    for (std::optional<v1::Registry>& record : records) {
      if (record.has_value()) core::ClearSecrets(*record);
    }
  }
  void Set(IndexedRegistriesPtr loaded) {
    registries = std::move(loaded);
    records.resize(registries->size());
  }
};

// A stored record that vanished between reading the index and opening it (a concurrent
// delete): the resolve starts over with a fresh index.
absl::Status RaceWithDelete(const std::string& key) {
  return absl::AbortedError(absl::StrCat("registry under ", key, " was deleted during the call"));
}

absl::StatusOr<v1::Registry> LoadRecord(seal::Barrier& barrier, const std::string& key) {
  absl::StatusOr<std::string> bytes = barrier.Get(key);
  if (!bytes.ok()) return bytes.status();
  v1::Registry record;
  const bool parsed = record.ParseFromString(*bytes);
  core::WipeString(*bytes);
  if (!parsed) {
    core::ClearSecrets(record);
    return absl::DataLossError(absl::StrCat("stored record under ", key, " does not parse"));
  }
  return record;
}

// One registry whose record is at hand (global or explicitly named) as the only candidate.
absl::Status SetSingleCandidate(v1::Registry record, std::string registry_id,
                                Candidates& candidates) {
  absl::StatusOr<core::ServerKey> server = core::ParseServerKey(record.server());
  if (!server.ok()) {
    core::ClearSecrets(record);
    return absl::DataLossError(
        absl::StrCat("stored server of ", record.name(), " no longer parses"));
  }
  auto single = std::make_shared<IndexedRegistries>();
  single->Add(*server, registry_id);
  candidates.Set(std::move(single));
  candidates.servers = {record.server()};
  candidates.records.front() = std::move(record);
  return absl::OkStatus();
}

// `owner`'s registries from its stored index (none when there is no index), and with
// `servers`, each one's server as stored.
absl::StatusOr<IndexedRegistriesPtr> ReadIndex(seal::Barrier& barrier, const core::OwnerName& owner,
                                               std::vector<std::string>* servers = nullptr) {
  absl::StatusOr<core::storage_v1::RegistryIndex> index = LoadRegistryIndex(barrier, owner);
  if (!index.ok()) return index.status();
  auto registries = std::make_shared<IndexedRegistries>();
  for (const core::storage_v1::RegistryIndexEntry& entry : index->entries()) {
    registries->Add(core::CandidateOf(entry).server, entry.registry_id());
    if (servers != nullptr) servers->push_back(entry.server());
  }
  registries->ShrinkToFit();
  return registries;  // The index is stored in TriedBefore order.
}

// Loads the registries that may answer, most specific first. Only an explicitly named
// registry is opened here; the others come from the owner's index (through `cache`, if any).
absl::Status LoadCandidates(seal::Barrier& barrier, OwnerIndexCache* cache,
                            const ValidatedRequest& request, Candidates& candidates) {
  if (request.registry.has_value() && request.registry->global) {
    return SetSingleCandidate(core::GlobalDockerHub(), "", candidates);
  }
  if (request.registry.has_value()) {
    const std::string key = core::RegistryKey(request.owner, request.registry->registry_id);
    absl::StatusOr<v1::Registry> record = LoadRecord(barrier, key);
    if (absl::IsNotFound(record.status())) {
      return absl::NotFoundError(
          absl::StrCat("registry ", request.registry->ToString(), " not found"));
    }
    if (!record.ok()) return record.status();
    return SetSingleCandidate(*std::move(record), request.registry->registry_id, candidates);
  }
  if (request.explain) {
    // Explaining shows each registry's server as stored, which the cache leaves out; explain
    // is for people, so it reads the index.
    absl::StatusOr<IndexedRegistriesPtr> read =
        ReadIndex(barrier, request.owner, &candidates.servers);
    if (!read.ok()) return read.status();
    candidates.Set(*std::move(read));
    return absl::OkStatus();
  }
  const std::string owner = request.owner.ToString();
  IndexedRegistriesPtr cached = cache != nullptr ? cache->Find(owner) : nullptr;
  if (cached != nullptr) {
    candidates.Set(std::move(cached));
    return absl::OkStatus();
  }
  const uint64_t ticket = cache != nullptr ? cache->Ticket(owner) : 0;
  absl::StatusOr<IndexedRegistriesPtr> read = ReadIndex(barrier, request.owner);
  if (!read.ok()) return read.status();
  if (cache != nullptr) cache->Insert(owner, ticket, *read);
  candidates.Set(*std::move(read));
  return absl::OkStatus();
}

// The resource name of `owner`'s candidate at `position`.
std::string NameOf(const core::OwnerName& owner, const IndexedRegistries& registries,
                   size_t position) {
  const std::string_view registry_id = registries.registry_id(position);
  if (registry_id.empty()) return std::string(core::kGlobalRegistryName);
  return core::RegistryName{.owner = owner, .registry_id = std::string(registry_id)}.ToString();
}

// Resolves one image against the ordered candidates; returns the position of the registry
// that answered, or -1. With `explain`, says why each candidate did or did not answer.
int ResolveImage(const core::OwnerName& owner, const Candidates& candidates,
                 const core::ImageKey& key, bool explain, v1::ResolvedCredential& out) {
  const IndexedRegistries& registries = *candidates.registries;
  int chosen = -1;
  for (size_t i = 0; i < registries.size(); ++i) {
    const core::PackedServerKey server = registries.server(i);
    if (!explain) {
      if (core::ServerMatches(server, key)) return static_cast<int>(i);
      continue;
    }
    core::MatchOutcome outcome = core::MatchServer(server, key);
    const bool chosen_now = outcome.matched && chosen < 0;
    if (chosen_now) chosen = static_cast<int>(i);
    v1::MatchExplanation* explanation = out.add_explanation();
    explanation->set_registry(NameOf(owner, registries, i));
    explanation->set_server(candidates.servers[i]);
    explanation->set_matched(outcome.matched);
    explanation->set_chosen(chosen_now);
    explanation->set_reason(
        outcome.matched && !chosen_now
            ? absl::StrCat("matched, but ", NameOf(owner, registries, chosen), " is more specific")
            : outcome.reason);
  }
  return chosen;
}

// The path segments of `server`, as DockerConfigEntry holds them.
std::vector<std::string> PathSegments(const core::PackedServerKey& server) {
  std::vector<std::string> segments;
  segments.reserve(server.path_segments.size());
  for (size_t i = 0; i < server.path_segments.size(); ++i) {
    segments.emplace_back(server.path_segments[i]);
  }
  return segments;
}

// Opens the record of the candidate at `position`, once per call.
absl::StatusOr<const v1::Registry*> EnsureRecord(seal::Barrier& barrier,
                                                 const core::OwnerName& owner,
                                                 Candidates& candidates, int position) {
  std::optional<v1::Registry>& record = candidates.records[position];
  if (!record.has_value()) {
    const std::string key = core::RegistryKey(owner, candidates.registries->registry_id(position));
    absl::StatusOr<v1::Registry> loaded = LoadRecord(barrier, key);
    if (absl::IsNotFound(loaded.status())) return RaceWithDelete(key);
    if (!loaded.ok()) return loaded.status();
    record = *std::move(loaded);
  }
  return &*record;
}

// Resolve after validation and authorization; ABORTED when a record vanished mid-call.
absl::StatusOr<v1::ResolveCredentialsResponse> ResolveValidated(
    seal::Barrier& barrier, OwnerIndexCache* cache, const ValidatedRequest& validated,
    const v1::ResolveCredentialsRequest& request) {
  Candidates candidates;
  if (absl::Status loaded = LoadCandidates(barrier, cache, validated, candidates); !loaded.ok()) {
    return loaded;
  }
  const IndexedRegistries& registries = *candidates.registries;

  v1::ResolveCredentialsResponse response;
  std::vector<core::DockerConfigEntry> config_entries;
  auto fail = [&](absl::Status status) {
    for (v1::ResolvedCredential& credential : *response.mutable_credentials()) {
      core::WipeString(*credential.mutable_password());
      core::WipeString(*credential.mutable_registry_token());
    }
    for (core::DockerConfigEntry& entry : config_entries) core::WipeString(entry.password);
    return status;
  };

  for (int i = 0; i < request.images_size(); ++i) {
    const core::ImageReference& image = validated.images[i];
    const core::ImageKey key = core::ImageKeyOf(image);
    v1::ResolvedCredential* out = response.add_credentials();
    out->set_image(request.images(i));
    out->set_reference(image.Normalized());
    const int chosen = ResolveImage(validated.owner, candidates, key, request.explain(), *out);
    if (chosen < 0 && validated.registry.has_value()) {
      return fail(absl::FailedPreconditionError(absl::StrCat("registry ", request.registry(),
                                                             " does not match images[", i, "] (",
                                                             out->reference(), ")")));
    }
    if (chosen >= 0) {
      absl::StatusOr<const v1::Registry*> record =
          EnsureRecord(barrier, validated.owner, candidates, chosen);
      if (!record.ok()) return fail(record.status());
      out->set_registry(NameOf(validated.owner, registries, chosen));
      core::FillCredentials(**record, key, *out);
    } else {
      core::FillAnonymous(key, *out);
      if (key.docker_hub) out->set_registry(std::string(core::kGlobalRegistryName));
    }
    if (request.action() == v1::ACTION_PUSH && out->anonymous()) {
      return fail(absl::FailedPreconditionError(
          absl::StrCat("cannot push images[", i, "] (", out->reference(), "): no registry of ",
                       request.owner(), " with credentials matches it")));
    }
    if (!out->anonymous()) {
      config_entries.push_back({.server = out->server(),
                                .registry_path = PathSegments(registries.server(chosen)),
                                .username = out->username(),
                                .password = out->password(),
                                .email = out->email()});
    }
  }
  response.set_docker_config_json(core::BuildDockerConfigJson(config_entries));
  for (core::DockerConfigEntry& entry : config_entries) core::WipeString(entry.password);
  return response;
}

}  // namespace

void CredentialResolver::WipeSecrets(v1::ResolveCredentialsResponse& response) {
  for (v1::ResolvedCredential& credential : *response.mutable_credentials()) {
    core::WipeString(*credential.mutable_password());
    core::WipeString(*credential.mutable_registry_token());
  }
  core::WipeString(*response.mutable_docker_config_json());
}

void CredentialResolver::ResolveCredentialsAsync(const Call& call,
                                                 const v1::ResolveCredentialsRequest& request,
                                                 Answer<v1::ResolveCredentialsResponse> answer) {
  absl::StatusOr<v1::ResolveCredentialsResponse> response = Resolve(call.caller, request);
  std::vector<v1::RegistryEvent> events;
  if (response.ok()) {
    events = EventsFor(call, request, *response);
    // Encoded here, where it was built; handed out only once the audit trail holds the events.
    answer.prepare(*response);
    WipeSecrets(*response);
  } else {
    v1::RegistryEvent& event =
        events.emplace_back(audit_.NewEvent(call, "CredentialService/ResolveCredentials"));
    event.set_owner(request.owner());
    event.set_registry(request.registry());
    event.mutable_images()->CopyFrom(request.images());
    event.set_action(request.action());
    event.set_outcome(absl::StatusCodeToString(response.status().code()));
  }
  audit_.RecordAsync(std::move(events),
                     [outcome = response.status(), finish = std::move(answer.finish)](
                         absl::Status audited) { finish(audited.ok() ? outcome : audited); });
}

absl::StatusOr<v1::ResolveCredentialsResponse> CredentialResolver::ResolveCredentials(
    const Call& call, const v1::ResolveCredentialsRequest& request) {
  return Await<absl::StatusOr<v1::ResolveCredentialsResponse>>([&](auto done) {
    ResolveCredentialsAsync(call, request,
                            Answer<v1::ResolveCredentialsResponse>::Collect(
                                std::move(done), &CredentialResolver::WipeSecrets));
  });
}

std::vector<v1::RegistryEvent> CredentialResolver::EventsFor(
    const Call& call, const v1::ResolveCredentialsRequest& request,
    const v1::ResolveCredentialsResponse& response) const {
  std::vector<v1::RegistryEvent> events;
  events.reserve(response.credentials_size());
  for (const v1::ResolvedCredential& credential : response.credentials()) {
    // A few registries per call: a linear search of the events made so far.
    auto same_registry = [&](const v1::RegistryEvent& event) {
      return event.registry() == credential.registry();
    };
    auto it = std::find_if(events.begin(), events.end(), same_registry);
    if (it == events.end()) {
      v1::RegistryEvent& event =
          events.emplace_back(audit_.NewEvent(call, "CredentialService/ResolveCredentials"));
      event.set_owner(request.owner());
      event.set_registry(credential.registry());
      event.set_action(request.action());
      event.set_outcome("OK");
      if (!credential.anonymous()) {
        event.add_secret_fingerprints(audit_.Fingerprint(credential.password()));
      }
      it = std::prev(events.end());
    }
    it->add_images(credential.image());
  }
  return events;
}

absl::StatusOr<v1::ResolveCredentialsResponse> CredentialResolver::Resolve(
    const auth::Principal& caller, const v1::ResolveCredentialsRequest& request) {
  absl::StatusOr<ValidatedRequest> validated = Validate(request);
  if (!validated.ok()) return validated.status();
  if (!caller.HasScope(auth::kScopeResolve)) {
    return absl::PermissionDeniedError("resolving credentials needs scope credentials.resolve");
  }
  // A record deleted between reading the index and opening it: start over with the index the
  // delete stored (it no longer names the record). The cached copy is dropped first: the
  // deleting writer invalidates it only after its write, so a retry in between would find the
  // same stale entry. Deletes are rare; a few attempts are plenty.
  constexpr int kAttempts = 3;
  absl::StatusOr<v1::ResolveCredentialsResponse> response;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    response = ResolveValidated(barrier_, index_cache_, *validated, request);
    if (!absl::IsAborted(response.status())) return response;
    if (index_cache_ != nullptr) index_cache_->Invalidate(validated->owner.ToString());
  }
  return absl::UnavailableError(
      absl::StrCat("registries of ", request.owner(), " kept changing during the call; retry"));
}

}  // namespace registry::service
