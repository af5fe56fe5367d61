// Unicode text checks for user-supplied strings: strict UTF-8 decoding,
// code-point counting, control characters and blank text.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace registry::core {

// Returns the code points of `s`, or nullopt unless `s` is well-formed UTF-8
// (no overlong forms, surrogates or values above U+10FFFF).
std::optional<std::u32string> DecodeUtf8(std::string_view s);

// True for Unicode general category Cc: U+0000-U+001F, U+007F-U+009F.
bool IsControl(char32_t c);

// True for Unicode white space (and the invisible U+200B, U+FEFF).
bool IsWhitespace(char32_t c);

// True iff any code point of `text` is a control character.
bool HasControl(std::u32string_view text);

// True iff any code point of `text` is white space.
bool HasWhitespace(std::u32string_view text);

// True iff `text` is empty or consists of white space only.
bool IsBlank(std::u32string_view text);

}  // namespace registry::core
