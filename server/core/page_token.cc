// EncodePageToken / DecodePageToken.
#include "server/core/page_token.h"

#include <sodium.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/core/names.h"
#include "server/core/sodium_codec.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kChecksumBytes = 16;
constexpr size_t kMaxTokenLength = 1024;
constexpr std::string_view kChecksumDomain = "cloudmanager.registry.v1.PageToken/1\n";

std::string Checksum(std::string_view body) {
  return Blake2b(absl::StrCat(ToAbsl(kChecksumDomain), ToAbsl(body)), kChecksumBytes);
}

void PutString(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>((s.size() >> 8) & 0xFF));
  out.push_back(static_cast<char>(s.size() & 0xFF));
  out.append(s);
}

// Reads a u16-length-prefixed string from the front of `in`; nullopt when truncated.
std::optional<std::string_view> GetString(std::string_view& in) {
  if (in.size() < 2) return std::nullopt;
  const size_t len = (static_cast<uint8_t>(in[0]) << 8) | static_cast<uint8_t>(in[1]);
  if (in.size() - 2 < len) return std::nullopt;
  std::string_view s = in.substr(2, len);
  in.remove_prefix(2 + len);
  return s;
}

absl::Status BadToken() {
  return InvalidArgumentError({{"page_token",
                                "is not a valid page token; pass next_page_token from the previous "
                                "response unchanged"}});
}

}  // namespace

std::string EncodePageToken(const PageToken& token) {
  std::string body(1, static_cast<char>(kVersion));
  PutString(body, token.parent);
  PutString(body, token.last_registry_id);
  body += Checksum(body);
  return Base64Encode(body, Base64Variant::kUrlSafeNoPadding);
}

absl::StatusOr<PageToken> DecodePageToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenLength) return BadToken();
  std::optional<std::string> raw = Base64Decode(token, Base64Variant::kUrlSafeNoPadding);
  if (!raw.has_value() || raw->size() < 1 + kChecksumBytes) return BadToken();
  std::string_view bytes = *raw;
  std::string_view body = bytes.substr(0, bytes.size() - kChecksumBytes);
  const std::string expected = Checksum(body);
  if (sodium_memcmp(expected.data(), bytes.data() + body.size(), kChecksumBytes) != 0) {
    return BadToken();
  }
  if (static_cast<uint8_t>(body[0]) != kVersion) return BadToken();
  body.remove_prefix(1);
  std::optional<std::string_view> parent = GetString(body);
  std::optional<std::string_view> last = parent ? GetString(body) : std::nullopt;
  if (!last.has_value() || !body.empty()) return BadToken();
  if (!last->empty() && !IsValidRegistryId(*last)) return BadToken();
  return PageToken{std::string(*parent), std::string(*last)};
}

}  // namespace registry::core
