// Thumbnail URI rules: an https URL or an inline base64 image data URI.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace registry::core {

// Limits of the two accepted forms.
inline constexpr size_t kMaxThumbnailUrlLength = 2048;
inline constexpr size_t kMaxThumbnailDataUriLength = 256 * 1024;

// Returns OK iff `uri` is either
//  - `https://host[:port][/...]`, at most 2048 printable ASCII characters,
//    without user-info, or
//  - `data:image/(png|jpeg|gif|webp|svg+xml);base64,<standard padded base64>`
//    of at most 256 KiB in total;
// otherwise INVALID_ARGUMENT whose message (without field) says why.
// The empty string is not accepted here; callers treat it as "no thumbnail".
absl::Status ValidateThumbnailUri(std::string_view uri);

// Returns `data:image/svg+xml;base64,<base64 of svg>`.
std::string SvgDataUri(std::string_view svg);

}  // namespace registry::core
