// Conversions between std::string_view (used by core's API) and
// absl::string_view. Debian's abseil 20220623 is built with
// ABSL_OPTION_USE_STD_STRING_VIEW=0, so the two are distinct types and
// absl::StrCat, absl::StartsWith, Status::SetPayload etc. do not accept a
// std::string_view directly. Both views alias the caller's bytes.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace registry::core {

// Returns an absl::string_view over the same bytes as `s`.
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

// Returns a std::string_view over the same bytes as `s`.
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace registry::core
