// libsodium initialization and base64url decoding for registry_auth.
#include "server/auth/sodium_support.h"

#include <sodium.h>

namespace registry::auth::internal {

absl::Status InitSodium() {
  static const int kResult = sodium_init();  // 0 first time, 1 if already initialized.
  if (kResult < 0) return absl::InternalError("libsodium failed to initialize");
  return absl::OkStatus();
}

std::optional<std::string> DecodeBase64Url(std::string_view text) {
  // libsodium 1.0.18 decodes every byte >= 0x80 as the last alphabet character ('_' or '/'),
  // so such bytes would slip through as a second spelling of the same bytes: refuse them.
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t out_len = 0;
  // With b64_end == nullptr, libsodium fails unless the whole input is consumed.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), /*ignore=*/nullptr, &out_len, /*b64_end=*/nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(out_len);
  return out;
}

}  // namespace registry::auth::internal
