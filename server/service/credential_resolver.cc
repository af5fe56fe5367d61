#include "server/service/credential_resolver.h"

#include <algorithm>
#include <map>
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
#include "server/core/registry_validation.h"
#include "server/core/server_key.h"
#include "server/core/sodium_codec.h"
#include "server/service/timestamps.h"

namespace registry::service {
namespace {

constexpr int kMaxImages = 100;

// A registry that may answer, with its secrets, its parsed server and its place in the order.
struct Candidate {
  v1::Registry record;
  core::MatchCandidate match;
};

// Wipes every decrypted secret held by `candidates` when it goes out of scope.
struct SecretWiper {
  std::vector<Candidate>& candidates;
  ~SecretWiper() {
    for (Candidate& candidate : candidates) core::ClearSecrets(candidate.record);
  }
};

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

absl::StatusOr<Candidate> MakeCandidate(v1::Registry record) {
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
  candidate.record = std::move(record);
  return candidate;
}

// Loads the registries that may answer, most specific first.
absl::Status LoadCandidates(seal::Barrier& barrier, const ValidatedRequest& request,
                            std::vector<Candidate>& candidates) {
  std::vector<v1::Registry> records;
  if (request.registry.has_value() && request.registry->global) {
    records.push_back(core::GlobalDockerHub());
  } else if (request.registry.has_value()) {
    const std::string key = core::RegistryKey(request.owner, request.registry->registry_id);
    absl::StatusOr<std::string> bytes = barrier.Get(key);
    if (absl::IsNotFound(bytes.status())) {
      return absl::NotFoundError(
          absl::StrCat("registry ", request.registry->ToString(), " not found"));
    }
    if (!bytes.ok()) return bytes.status();
    records.emplace_back();
    bool parsed = records.back().ParseFromString(*bytes);
    core::WipeString(*bytes);
    if (!parsed)
      return absl::DataLossError(absl::StrCat("stored record under ", key, " does not parse"));
  } else {
    absl::StatusOr<std::vector<storage::KeyValue>> entries =
        barrier.Scan(core::RegistryKeyPrefix(request.owner), "", 0);
    if (!entries.ok()) return entries.status();
    for (storage::KeyValue& entry : *entries) {
      records.emplace_back();
      bool parsed = records.back().ParseFromString(entry.value);
      core::WipeString(entry.value);
      if (!parsed) {
        for (v1::Registry& record : records) core::ClearSecrets(record);
        return absl::DataLossError(
            absl::StrCat("stored record under ", entry.key, " does not parse"));
      }
    }
  }
  absl::Status status = absl::OkStatus();
  for (v1::Registry& record : records) {
    absl::StatusOr<Candidate> candidate = MakeCandidate(std::move(record));
    if (!candidate.ok()) {
      status = candidate.status();
      continue;
    }
    candidates.push_back(*std::move(candidate));
  }
  if (!status.ok()) return status;
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return core::TriedBefore(a.match, b.match);
  });
  return absl::OkStatus();
}

// Resolves one image against the ordered candidates; returns the registry that answered.
const Candidate* ResolveImage(const std::vector<Candidate>& candidates, const core::ImageKey& key,
                              bool explain, v1::ResolvedCredential& out) {
  const Candidate* chosen = nullptr;
  for (const Candidate& candidate : candidates) {
    core::MatchOutcome outcome = core::MatchServer(candidate.match.server, key);
    const bool chosen_now = outcome.matched && chosen == nullptr;
    if (chosen_now) chosen = &candidate;
    if (!explain) {
      if (chosen != nullptr) break;
      continue;
    }
    v1::MatchExplanation* explanation = out.add_explanation();
    explanation->set_registry(candidate.record.name());
    explanation->set_server(candidate.record.server());
    explanation->set_matched(outcome.matched);
    explanation->set_chosen(chosen_now);
    explanation->set_reason(
        outcome.matched && !chosen_now
            ? absl::StrCat("matched, but ", chosen->record.name(), " is more specific")
            : outcome.reason);
  }
  return chosen;
}

void WipeResponse(v1::ResolveCredentialsResponse& response) {
  for (v1::ResolvedCredential& credential : *response.mutable_credentials()) {
    core::WipeString(*credential.mutable_password());
    core::WipeString(*credential.mutable_registry_token());
  }
  core::WipeString(*response.mutable_docker_config_json());
}

}  // namespace

absl::StatusOr<v1::ResolveCredentialsResponse> CredentialResolver::ResolveCredentials(
    const Call& call, const v1::ResolveCredentialsRequest& request) {
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
  if (absl::Status audited = audit_.Record(std::move(events)); !audited.ok()) {
    if (response.ok()) WipeResponse(*response);
    return audited;
  }
  return response;
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

  std::vector<Candidate> candidates;
  SecretWiper wiper{candidates};
  if (absl::Status loaded = LoadCandidates(barrier_, *validated, candidates); !loaded.ok()) {
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
    const core::ImageReference& image = validated->images[i];
    const core::ImageKey key = core::ImageKeyOf(image);
    v1::ResolvedCredential* out = response.add_credentials();
    out->set_image(request.images(i));
    out->set_reference(image.Normalized());
    const Candidate* chosen = ResolveImage(candidates, key, request.explain(), *out);
    if (chosen == nullptr && validated->registry.has_value()) {
      return fail(absl::FailedPreconditionError(absl::StrCat("registry ", request.registry(),
                                                             " does not match images[", i, "] (",
                                                             out->reference(), ")")));
    }
    if (chosen != nullptr) {
      out->set_registry(chosen->record.name());
      core::FillCredentials(chosen->record, key, *out);
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

}  // namespace registry::service
