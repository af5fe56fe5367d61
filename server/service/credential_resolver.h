// CredentialResolver: the ResolveCredentials use case — which registry and credentials pull or
// push each image for one owner — on absl::Status, with no gRPC types.
#pragma once

#include "absl/status/statusor.h"
#include "cloudmanager/registry/v1/credential_service.pb.h"
#include "server/auth/principal.h"
#include "server/seal/barrier.h"

namespace registry::service {

namespace v1 = ::cloudmanager::registry::v1;

// Thread-safe; reads only. The response carries secrets by design (callers hold
// `credentials.resolve`); every other copy of a decrypted secret is wiped before returning.
class CredentialResolver final {
 public:
  // `barrier` must outlive the resolver.
  explicit CredentialResolver(seal::Barrier& barrier) : barrier_(barrier) {}
  CredentialResolver(const CredentialResolver&) = delete;
  CredentialResolver& operator=(const CredentialResolver&) = delete;

  // INVALID_ARGUMENT (BadRequest on owner, images, images[i], action, registry);
  // PERMISSION_DENIED without scope credentials.resolve; NOT_FOUND for a missing explicit
  // registry; FAILED_PRECONDITION when the explicit registry does not match an image or a push
  // has no credentials for an image; DATA_LOSS when a stored record fails to open.
  absl::StatusOr<v1::ResolveCredentialsResponse> ResolveCredentials(
      const auth::Principal& caller, const v1::ResolveCredentialsRequest& request);

 private:
  seal::Barrier& barrier_;
};

}  // namespace registry::service
