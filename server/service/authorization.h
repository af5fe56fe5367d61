// Authorization rules of the registry API as pure functions over a Principal and an owner.
// PERMISSION_DENIED never says whether the resource exists (AIP-211).
#pragma once

#include "absl/status/status.h"
#include "server/auth/principal.h"
#include "server/core/names.h"

namespace registry::service {

// OK when `principal` may read registries owned by `owner`: the user itself or a member of the
// group (token `groups` claim) with scope registry.read, or an operator with registry.admin.
// PERMISSION_DENIED otherwise.
absl::Status AuthorizeRead(const auth::Principal& principal, const core::OwnerName& owner);

// OK when `principal` may create, change or delete registries owned by `owner`: the user itself
// or a member of the group, with scope registry.write. PERMISSION_DENIED otherwise.
absl::Status AuthorizeWrite(const auth::Principal& principal, const core::OwnerName& owner);

}  // namespace registry::service
