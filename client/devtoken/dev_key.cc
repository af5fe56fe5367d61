// Dev key generation, the one-line key file, and the matching JWKS.
#include "client/devtoken/dev_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/devtoken/mint.h"
#include "client/devtoken/sodium_init.h"
#include "nlohmann/json.hpp"

namespace registry::devtoken {
namespace {

constexpr size_t kMaxKeyFileBytes = 4096;

std::string Base64Standard(const uint8_t* bytes, size_t len) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(len, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, len, variant);
  out.resize(out.size() - 1);  // Drop the terminating NUL.
  return out;
}

}  // namespace

DevKey DevKeyFromSeed(const std::array<uint8_t, 32>& seed) {
  internal::EnsureSodium();
  DevKey key;
  key.seed = seed;
  unsigned char secret[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(key.public_key.data(), secret, seed.data());
  sodium_memzero(secret, sizeof(secret));
  return key;
}

DevKey GenerateDevKey() {
  internal::EnsureSodium();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  DevKey key = DevKeyFromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

std::string FormatDevKeyFile(const DevKey& key) {
  internal::EnsureSodium();
  return Base64Standard(key.seed.data(), key.seed.size()) + "\n";
}

absl::StatusOr<DevKey> ParseDevKeyFile(std::string_view contents) {
  internal::EnsureSodium();
  std::string_view text = contents;
  while (!text.empty() && absl::ascii_isspace(text.front())) text.remove_prefix(1);
  while (!text.empty() && absl::ascii_isspace(text.back())) text.remove_suffix(1);
  std::array<uint8_t, 32> seed;
  size_t len = 0;
  if (sodium_base642bin(seed.data(), seed.size(), text.data(), text.size(), /*ignore=*/nullptr,
                        &len, /*b64_end=*/nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != seed.size()) {
    return absl::InvalidArgumentError(
        "dev key must be one line of standard base64 encoding exactly 32 bytes");
  }
  DevKey key = DevKeyFromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

absl::StatusOr<DevKey> LoadDevKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open dev key file ", path, ": ", std::strerror(errno)));
  }
  std::string text(kMaxKeyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad())
    return absl::FailedPreconditionError(absl::StrCat("cannot read dev key file ", path));
  text.resize(static_cast<size_t>(in.gcount()));
  absl::StatusOr<DevKey> key = ParseDevKeyFile(text);
  sodium_memzero(text.data(), text.size());
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dev key file ", path, ": ", key.status().message()));
  }
  return key;
}

absl::Status WriteDevKeyFile(const std::string& path, const DevKey& key) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const std::string message =
        absl::StrCat("cannot create dev key file ", path, ": ", std::strerror(errno));
    return errno == EEXIST ? absl::AlreadyExistsError(message)
                           : absl::FailedPreconditionError(message);
  }
  std::string text = FormatDevKeyFile(key);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  sodium_memzero(text.data(), text.size());
  const bool ok = written == text.size() && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write dev key file ", path, ": ", std::strerror(saved_errno)));
  }
  return absl::OkStatus();
}

std::string JwkForDevKey(const DevKey& key, std::string_view kid) {
  const std::string_view public_key(reinterpret_cast<const char*>(key.public_key.data()),
                                    key.public_key.size());
  nlohmann::json jwk = {{"kty", "OKP"},
                        {"crv", "Ed25519"},
                        {"kid", std::string(kid)},
                        {"x", Base64UrlEncode(public_key)},
                        {"alg", "EdDSA"},
                        {"use", "sig"}};
  return jwk.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JwksOf(const std::vector<std::string>& jwk_jsons) {
  nlohmann::json keys = nlohmann::json::array();
  for (const std::string& text : jwk_jsons) {
    nlohmann::json jwk = nlohmann::json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
    keys.push_back(jwk.is_object() ? std::move(jwk) : nlohmann::json(text));
  }
  nlohmann::json jwks = {{"keys", std::move(keys)}};
  return jwks.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JwksForDevKey(const DevKey& key, std::string_view kid) {
  return JwksOf({JwkForDevKey(key, kid)});
}

}  // namespace registry::devtoken
