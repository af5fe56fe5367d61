// Thin wrappers over libsodium's base64, hex, keyless BLAKE2b and memzero
// (crypto_generichash) so the rest of core never hand-writes them.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace registry::core {

// Which base64 alphabet/padding to use (libsodium variants).
enum class Base64Variant {
  kStandard,         // RFC 4648 §4 alphabet, with '=' padding (data: URIs).
  kUrlSafeNoPadding  // RFC 4648 §5 alphabet, no padding (opaque tokens).
};

// Returns the base64 encoding of `bytes`.
std::string Base64Encode(std::string_view bytes, Base64Variant variant);

// Returns the decoded bytes, or nullopt unless all of `text` is valid base64 of
// `variant` (no whitespace, correct padding). Empty input decodes to "".
std::optional<std::string> Base64Decode(std::string_view text, Base64Variant variant);

// Returns the lowercase hex encoding of `bytes`.
std::string HexEncode(std::string_view bytes);

// Overwrites the bytes of `s` with zeros (sodium_memzero, not optimized away),
// then clears it. The capacity is kept.
void WipeString(std::string& s);

// Returns the keyless BLAKE2b digest (crypto_generichash) of `bytes`.
// REQUIRES: 16 <= out_len <= 64.
std::string Blake2b(std::string_view bytes, size_t out_len);

}  // namespace registry::core
