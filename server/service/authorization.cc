#include "server/service/authorization.h"

#include "absl/strings/str_cat.h"

namespace registry::service {
namespace {

// The caller's own tree: users/{sub}, or groups/{g} for a group g in the token's groups claim.
bool IsOwnTree(const auth::Principal& principal, const core::OwnerName& owner) {
  if (principal.subject.empty() || owner.id.empty()) return false;
  switch (owner.kind) {
    case core::OwnerName::Kind::kUser:
      return owner.id == principal.subject;
    case core::OwnerName::Kind::kGroup:
      return principal.InGroup(owner.id);
  }
  return false;
}

absl::Status Denied(const std::string& verb, const core::OwnerName& owner) {
  return absl::PermissionDeniedError(
      absl::StrCat("caller may not ", verb, " registries of ", owner.ToString()));
}

}  // namespace

absl::Status AuthorizeRead(const auth::Principal& principal, const core::OwnerName& owner) {
  if (principal.HasScope(auth::kScopeAdmin)) return absl::OkStatus();
  if (principal.HasScope(auth::kScopeRead) && IsOwnTree(principal, owner)) {
    return absl::OkStatus();
  }
  return Denied("read", owner);
}

absl::Status AuthorizeWrite(const auth::Principal& principal, const core::OwnerName& owner) {
  if (principal.HasScope(auth::kScopeWrite) && IsOwnTree(principal, owner)) {
    return absl::OkStatus();
  }
  return Denied("change", owner);
}

}  // namespace registry::service
