// libsodium-backed base64, hex and BLAKE2b helpers.
#include "server/core/sodium_codec.h"

#include <sodium.h>

namespace registry::core {
namespace {

int SodiumVariant(Base64Variant variant) {
  return variant == Base64Variant::kStandard ? sodium_base64_VARIANT_ORIGINAL
                                             : sodium_base64_VARIANT_URLSAFE_NO_PADDING;
}

// sodium_init() is idempotent and thread-safe; the helpers below do not strictly
// need it, but libsodium documents it as a precondition of every call.
void EnsureSodium() {
  static const bool initialized = sodium_init() >= 0;
  (void)initialized;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string Base64Encode(std::string_view bytes, Base64Variant variant) {
  EnsureSodium();
  const int v = SodiumVariant(variant);
  std::string out(sodium_base64_encoded_len(bytes.size(), v), '\0');
  sodium_bin2base64(out.data(), out.size(), Bytes(bytes), bytes.size(), v);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text, Base64Variant variant) {
  EnsureSodium();
  if (text.empty()) return std::string();
  // libsodium 1.0.18 decodes every byte >= 0x80 as the last alphabet character ('_' or '/'),
  // so such bytes would slip through as a second spelling of the same bytes: refuse them.
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), /*ignore=*/nullptr, &len, &end, SodiumVariant(variant)) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string HexEncode(std::string_view bytes) {
  EnsureSodium();
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), Bytes(bytes), bytes.size());
  out.resize(bytes.size() * 2);
  return out;
}

void WipeString(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

std::string Blake2b(std::string_view bytes, size_t out_len) {
  EnsureSodium();
  std::string out(out_len, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), Bytes(bytes),
                     bytes.size(), /*key=*/nullptr, 0);
  return out;
}

}  // namespace registry::core
