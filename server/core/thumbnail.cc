// ValidateThumbnailUri and SvgDataUri.
#include "server/core/thumbnail.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/core/sodium_codec.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {
namespace {

constexpr std::string_view kHttps = "https://";
constexpr std::string_view kData = "data:";
constexpr std::array<std::string_view, 5> kImageTypes = {"image/png", "image/jpeg", "image/gif",
                                                         "image/webp", "image/svg+xml"};

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("thumbnail ", ToAbsl(message)));
}

bool IsHostChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

absl::Status ValidateHttpsUrl(std::string_view uri) {
  if (uri.size() > kMaxThumbnailUrlLength) {
    return Invalid("URL must be at most 2048 characters");
  }
  for (char c : uri) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
      return Invalid(
          "URL must be printable ASCII without whitespace or control characters "
          "(percent-encode anything else)");
    }
  }
  std::string_view rest = uri.substr(kHttps.size());
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("URL must not contain user-info");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return Invalid("URL has an invalid host");
    for (char c : host.substr(1, close - 1)) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return Invalid("URL has an invalid host");
      }
    }
    std::string_view after = host.substr(close + 1);
    if (!after.empty() && after.front() != ':') return Invalid("URL has an invalid host");
    if (!after.empty()) port = after.substr(1);
    host = host.substr(0, close + 1);
  } else {
    const size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
      if (port.empty()) return Invalid("URL has an empty port");
    }
    if (host.empty()) return Invalid("URL must name a host");
    for (char c : host) {
      if (!IsHostChar(c)) return Invalid("URL has an invalid host");
    }
  }
  for (char c : port) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Invalid("URL has an invalid port");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDataUri(std::string_view uri) {
  if (uri.size() > kMaxThumbnailDataUriLength) {
    return Invalid("data URI must be at most 256 KiB");
  }
  const size_t comma = uri.find(',');
  if (comma == std::string_view::npos) return Invalid("data URI has no `,`");
  std::string_view header = uri.substr(kData.size(), comma - kData.size());
  constexpr std::string_view kBase64Suffix = ";base64";
  if (!absl::EndsWithIgnoreCase(ToAbsl(header), ToAbsl(kBase64Suffix))) {
    return Invalid("data URI must be base64 encoded (`;base64,`)");
  }
  std::string_view media_type = header.substr(0, header.size() - kBase64Suffix.size());
  bool known = false;
  for (std::string_view t : kImageTypes)
    known = known || absl::EqualsIgnoreCase(ToAbsl(media_type), ToAbsl(t));
  if (!known) {
    return Invalid(
        "data URI media type must be image/png, image/jpeg, image/gif, image/webp "
        "or image/svg+xml");
  }
  std::string_view payload = uri.substr(comma + 1);
  if (payload.empty()) return Invalid("data URI has no image data");
  if (!Base64Decode(payload, Base64Variant::kStandard).has_value()) {
    return Invalid("data URI payload is not valid standard (padded) base64");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateThumbnailUri(std::string_view uri) {
  if (absl::StartsWithIgnoreCase(ToAbsl(uri), ToAbsl(kHttps))) return ValidateHttpsUrl(uri);
  if (absl::StartsWithIgnoreCase(ToAbsl(uri), ToAbsl(kData))) return ValidateDataUri(uri);
  return Invalid("must be an https:// URL or a data:image/...;base64, URI");
}

std::string SvgDataUri(std::string_view svg) {
  return absl::StrCat("data:image/svg+xml;base64,", Base64Encode(svg, Base64Variant::kStandard));
}

}  // namespace registry::core
