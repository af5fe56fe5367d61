// CredentialResolver: the ResolveCredentials use case — which registry and credentials pull or
// push each image for one owner — on absl::Status, with no gRPC types.
#pragma once

#include <functional>

#include "absl/status/statusor.h"
#include "cloudmanager/registry/v1/credential_service.pb.h"
#include "server/auth/principal.h"
#include "server/seal/barrier.h"
#include "server/service/answer.h"
#include "server/service/audit_log.h"
#include "server/service/call.h"
#include "server/service/owner_index_cache.h"

namespace registry::service {

namespace v1 = ::cloudmanager::registry::v1;

// Thread-safe; reads only. The response carries secrets by design (callers hold
// `credentials.resolve`); every other copy of a decrypted secret is wiped before returning.
// Reads the owner's registry index (core/registry_index.h) and opens only the records of the
// registries that answer, each at most once per call.
class CredentialResolver final {
 public:
  // `barrier`, `audit` and `index_cache` (optional; shared with the RegistryManager that
  // invalidates it) must outlive the resolver.
  CredentialResolver(seal::Barrier& barrier, AuditLog& audit,
                     OwnerIndexCache* index_cache = nullptr)
      : barrier_(barrier), audit_(audit), index_cache_(index_cache) {}
  CredentialResolver(const CredentialResolver&) = delete;
  CredentialResolver& operator=(const CredentialResolver&) = delete;

  // INVALID_ARGUMENT (BadRequest on owner, images, images[i], action, registry);
  // PERMISSION_DENIED without scope credentials.resolve; NOT_FOUND for a missing explicit
  // registry; FAILED_PRECONDITION when the explicit registry does not match an image or a push
  // has no credentials for an image; DATA_LOSS when a stored record fails to open.
  // Every call is an audit event (one per registry whose credentials were handed out, with the
  // images it answered and the fingerprint of the secret version); when the audit log cannot
  // record it, the call fails with UNAVAILABLE and hands nothing out.
  // The answer is computed on the calling thread and handed to `answer.prepare` there (then
  // wiped and freed); `answer.finish` runs exactly once, after the audit events are durable
  // (group commit: possibly on the barrier's reporter thread, so it must not block): OK hands the
  // prepared answer out, an error discards it. `request` is only read before this returns.
  void ResolveCredentialsAsync(const Call& call, const v1::ResolveCredentialsRequest& request,
                               Answer<v1::ResolveCredentialsResponse> answer);

  // Overwrites the secrets an answer carries (passwords, tokens, the docker config). The resolver
  // runs it on its answer once prepared; the blocking form on an answer it discards.
  static void WipeSecrets(v1::ResolveCredentialsResponse& response);

  // ResolveCredentialsAsync, waiting for the answer.
  absl::StatusOr<v1::ResolveCredentialsResponse> ResolveCredentials(
      const Call& call, const v1::ResolveCredentialsRequest& request);

 private:
  absl::StatusOr<v1::ResolveCredentialsResponse> Resolve(
      const auth::Principal& caller, const v1::ResolveCredentialsRequest& request);
  // The audit events of a successful resolve: one per registry used (or one without registry).
  std::vector<v1::RegistryEvent> EventsFor(const Call& call,
                                           const v1::ResolveCredentialsRequest& request,
                                           const v1::ResolveCredentialsResponse& response) const;

  seal::Barrier& barrier_;
  AuditLog& audit_;
  OwnerIndexCache* const index_cache_;
};

}  // namespace registry::service
