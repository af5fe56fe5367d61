#include "server/service/credential_resolver.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
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
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

constexpr int kMaxImages = 100;

struct ValidatedRequest {
  core::OwnerName owner;
  std::vector<core::ImageReference> images{};
  std::optional<core::RegistryName> registry{};
};

absl::StatusOr<ValidatedRequest> Validate(const v1::ResolveCredentialsRequest& request) {
  absl::StatusOr<core::OwnerName> owner = core::ParseOwnerName(request.owner(), "owner");
  if (!owner.ok()) return owner.status();
  ValidatedRequest validated{.owner = *std::move(owner)};
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

// A registry that may answer: its match key, and its record once it has answered.
struct Candidate {
  core::MatchCandidate match;
  std::string registry_id;               // Empty for the global Docker Hub registry.
  std::string server;                    // As stored, for `explain`.
  std::optional<v1::Registry> record{};  // Loaded when chosen (holds secrets).
};

// Wipes every decrypted secret held by `candidates` when it goes out of scope.
struct SecretWiper {
  std::vector<Candidate>& candidates;
  ~SecretWiper() {
    for (Candidate& candidate : candidates) {
      if (candidate.record.has_value()) core::ClearSecrets(*candidate.record);
    }
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

absl::StatusOr<Candidate> CandidateFromRecord(v1::Registry record, std::string registry_id) {
  absl::StatusOr<core::ServerKey> server = core::ParseServerKey(record.server());
  if (!server.ok()) {
    core::ClearSecrets(record);
    return absl::DataLossError(
        absl::StrCat("stored server of ", record.name(), " no longer parses"));
  }
  Candidate candidate;
  candidate.match = {
      .name = record.name(),
      .server = *std::move(server),
      .create_time_nanos = absl::ToUnixNanos(FromProtoTimestamp(record.create_time()))};
  candidate.registry_id = std::move(registry_id);
  candidate.server = record.server();
  candidate.record = std::move(record);
  return candidate;
}

// Loads the registries that may answer, most specific first. Only an explicitly named
// registry is opened here; the others come from the owner's index.
absl::Status LoadCandidates(seal::Barrier& barrier, const ValidatedRequest& request,
                            std::vector<Candidate>& candidates) {
  if (request.registry.has_value() && request.registry->global) {
    absl::StatusOr<Candidate> global = CandidateFromRecord(core::GlobalDockerHub(), "");
    if (!global.ok()) return global.status();
    candidates.push_back(*std::move(global));
    return absl::OkStatus();
  }
  if (request.registry.has_value()) {
    const std::string key = core::RegistryKey(request.owner, request.registry->registry_id);
    absl::StatusOr<v1::Registry> record = LoadRecord(barrier, key);
    if (absl::IsNotFound(record.status())) {
      return absl::NotFoundError(
          absl::StrCat("registry ", request.registry->ToString(), " not found"));
    }
    if (!record.ok()) return record.status();
    absl::StatusOr<Candidate> candidate =
        CandidateFromRecord(*std::move(record), request.registry->registry_id);
    if (!candidate.ok()) return candidate.status();
    candidates.push_back(*std::move(candidate));
    return absl::OkStatus();
  }
  const std::string index_key = core::RegistryIndexKey(request.owner);
  absl::StatusOr<std::string> bytes = barrier.Get(index_key);
  if (absl::IsNotFound(bytes.status())) return absl::OkStatus();  // No registries.
  if (!bytes.ok()) return bytes.status();
  core::storage_v1::RegistryIndex index;
  if (!index.ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("stored index under ", index_key, " does not parse"));
  }
  candidates.reserve(index.entries_size());
  for (const core::storage_v1::RegistryIndexEntry& entry : index.entries()) {
    candidates.push_back({.match = core::CandidateOf(entry),
                          .registry_id = entry.registry_id(),
                          .server = entry.server()});
  }
  return absl::OkStatus();  // The index is stored in TriedBefore order.
}

// Resolves one image against the ordered candidates; returns the registry that answered.
Candidate* ResolveImage(std::vector<Candidate>& candidates, const core::ImageKey& key, bool explain,
                        v1::ResolvedCredential& out) {
  Candidate* chosen = nullptr;
  for (Candidate& candidate : candidates) {
    core::MatchOutcome outcome = core::MatchServer(candidate.match.server, key);
    const bool chosen_now = outcome.matched && chosen == nullptr;
    if (chosen_now) chosen = &candidate;
    if (!explain) {
      if (chosen != nullptr) break;
      continue;
    }
    v1::MatchExplanation* explanation = out.add_explanation();
    explanation->set_registry(candidate.match.name);
    explanation->set_server(candidate.server);
    explanation->set_matched(outcome.matched);
    explanation->set_chosen(chosen_now);
    explanation->set_reason(
        outcome.matched && !chosen_now
            ? absl::StrCat("matched, but ", chosen->match.name, " is more specific")
            : outcome.reason);
  }
  return chosen;
}

// Opens the record of a candidate that answered, once per call.
absl::Status EnsureRecord(seal::Barrier& barrier, const core::OwnerName& owner,
                          Candidate& candidate) {
  if (candidate.record.has_value()) return absl::OkStatus();
  const std::string key = core::RegistryKey(owner, candidate.registry_id);
  absl::StatusOr<v1::Registry> record = LoadRecord(barrier, key);
  if (absl::IsNotFound(record.status())) return RaceWithDelete(key);
  if (!record.ok()) return record.status();
  candidate.record = *std::move(record);
  return absl::OkStatus();
}

void WipeResponse(v1::ResolveCredentialsResponse& response) {
  for (v1::ResolvedCredential& credential : *response.mutable_credentials()) {
    core::WipeString(*credential.mutable_password());
    core::WipeString(*credential.mutable_registry_token());
  }
  core::WipeString(*response.mutable_docker_config_json());
}

// Resolve after validation and authorization; ABORTED when a record vanished mid-call.
absl::StatusOr<v1::ResolveCredentialsResponse> ResolveValidated(
    seal::Barrier& barrier, const ValidatedRequest& validated,
    const v1::ResolveCredentialsRequest& request) {
  std::vector<Candidate> candidates;
  SecretWiper wiper{candidates};
  if (absl::Status loaded = LoadCandidates(barrier, validated, candidates); !loaded.ok()) {
    return loaded;
  }

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
    Candidate* chosen = ResolveImage(candidates, key, request.explain(), *out);
    if (chosen == nullptr && validated.registry.has_value()) {
      return fail(absl::FailedPreconditionError(absl::StrCat("registry ", request.registry(),
                                                             " does not match images[", i, "] (",
                                                             out->reference(), ")")));
    }
    if (chosen != nullptr) {
      if (absl::Status opened = EnsureRecord(barrier, validated.owner, *chosen); !opened.ok()) {
        return fail(opened);
      }
      out->set_registry(chosen->match.name);
      core::FillCredentials(*chosen->record, key, *out);
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
                                .registry_path = chosen->match.server.path_segments,
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

void CredentialResolver::ResolveCredentialsAsync(const Call& call,
                                                 const v1::ResolveCredentialsRequest& request,
                                                 Done done) {
  absl::StatusOr<v1::ResolveCredentialsResponse> response = Resolve(call.caller, request);
  std::vector<v1::RegistryEvent> events;
  if (response.ok()) {
    events = EventsFor(call, request, *response);
  } else {
    v1::RegistryEvent& event =
        events.emplace_back(audit_.NewEvent(call, "CredentialService/ResolveCredentials"));
    event.set_owner(request.owner());
    event.set_registry(request.registry());
    event.mutable_images()->CopyFrom(request.images());
    event.set_action(request.action());
    event.set_outcome(absl::StatusCodeToString(response.status().code()));
  }
  // Handed out only once the audit trail holds the events.
  auto answer =
      std::make_shared<absl::StatusOr<v1::ResolveCredentialsResponse>>(std::move(response));
  audit_.RecordAsync(std::move(events),
                     [answer, done = std::move(done)](absl::Status audited) mutable {
                       if (!audited.ok()) {
                         if (answer->ok()) WipeResponse(**answer);
                         done(std::move(audited));
                         return;
                       }
                       done(std::move(*answer));
                     });
}

absl::StatusOr<v1::ResolveCredentialsResponse> CredentialResolver::ResolveCredentials(
    const Call& call, const v1::ResolveCredentialsRequest& request) {
  absl::StatusOr<v1::ResolveCredentialsResponse> result;
  absl::Notification finished;
  ResolveCredentialsAsync(call, request,
                          [&](absl::StatusOr<v1::ResolveCredentialsResponse> answer) {
                            result = std::move(answer);
                            finished.Notify();
                          });
  finished.WaitForNotification();
  return result;
}

std::vector<v1::RegistryEvent> CredentialResolver::EventsFor(
    const Call& call, const v1::ResolveCredentialsRequest& request,
    const v1::ResolveCredentialsResponse& response) const {
  std::vector<v1::RegistryEvent> events;
  std::map<std::string, size_t> by_registry;  // Registry name → index in events.
  for (const v1::ResolvedCredential& credential : response.credentials()) {
    auto [it, inserted] = by_registry.emplace(credential.registry(), events.size());
    if (inserted) {
      v1::RegistryEvent& event =
          events.emplace_back(audit_.NewEvent(call, "CredentialService/ResolveCredentials"));
      event.set_owner(request.owner());
      event.set_registry(credential.registry());
      event.set_action(request.action());
      event.set_outcome("OK");
      if (!credential.anonymous()) {
        event.add_secret_fingerprints(audit_.Fingerprint(credential.password()));
      }
    }
    events[it->second].add_images(credential.image());
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
  // A record deleted between reading the index and opening it: start over (the new index no
  // longer names it). Deletes are rare; a few attempts are plenty.
  constexpr int kAttempts = 3;
  absl::StatusOr<v1::ResolveCredentialsResponse> response;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    response = ResolveValidated(barrier_, *validated, request);
    if (!absl::IsAborted(response.status())) return response;
  }
  return absl::UnavailableError(
      absl::StrCat("registries of ", request.owner(), " kept changing during the call; retry"));
}

}  // namespace registry::service
