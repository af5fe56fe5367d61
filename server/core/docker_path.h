// Docker's repository path grammar, shared by image references and registry server keys.
#pragma once

#include <string_view>

namespace registry::core {

// True iff `s` is one Docker path component: [a-z0-9]+ runs joined by exactly one of `.`, `_`,
// `__` or one or more `-` (distribution/reference regexp.go pathComponent). Pure; thread-safe.
bool IsDockerPathComponent(std::string_view s);

}  // namespace registry::core
