// Opaque ListRegistries page tokens (AIP-158).
// Wire form: base64url without padding of
//   version u8 (=1) | u16 BE len | parent | u16 BE len | last_registry_id | checksum[16]
// where checksum = keyless BLAKE2b-128 over a domain label and the preceding
// bytes. The checksum detects truncation, garbage and bit flips; it is not a
// MAC, so a client can forge a token: callers must check that `parent` equals
// the request's parent and authorize as usual.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace registry::core {

// Where the next page starts: registries of `parent` with an id after
// `last_registry_id` (empty: from the owner's first registry, e.g. when the
// previous page held only the global default).
struct PageToken {
  std::string parent;
  std::string last_registry_id;

  friend bool operator==(const PageToken&, const PageToken&) = default;
};

// Returns the opaque token for `token`.
// REQUIRES: parent and last_registry_id are each at most 65535 bytes.
std::string EncodePageToken(const PageToken& token);

// Decodes a token made by EncodePageToken. Anything else (bad base64, wrong
// version, truncated, checksum mismatch, a non-empty last_registry_id that is not a valid id,
// longer than 1024 characters) is INVALID_ARGUMENT with a violation on "page_token".
absl::StatusOr<PageToken> DecodePageToken(std::string_view token);

}  // namespace registry::core
