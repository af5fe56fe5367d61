// Principal's scope and group predicates.
#include "server/auth/principal.h"

#include <algorithm>

#include "absl/strings/string_view.h"

namespace registry::auth {

bool Principal::HasScope(std::string_view s) const {
  // Debian's abseil is built with its own absl::string_view, distinct from std::string_view.
  return scopes.contains(absl::string_view(s.data(), s.size()));
}

bool Principal::InGroup(std::string_view g) const {
  return std::find(groups.begin(), groups.end(), g) != groups.end();
}

}  // namespace registry::auth
