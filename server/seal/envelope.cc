// Envelope sealing/opening with crypto_aead_xchacha20poly1305_ietf_*.
#include "server/seal/envelope.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/seal/random.h"

namespace registry::seal {
namespace {

static_assert(kEnvelopeNonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kEnvelopeTagSize == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kEnvelopeKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string Header(uint32_t term) {
  std::string h(kEnvelopeHeaderSize, '\0');
  h[0] = static_cast<char>(kEnvelopeVersion);
  h[1] = static_cast<char>(term >> 24);
  h[2] = static_cast<char>(term >> 16);
  h[3] = static_cast<char>(term >> 8);
  h[4] = static_cast<char>(term);
  return h;
}

// Header bytes followed by the storage key.
std::string AssociatedData(std::string_view header, std::string_view storage_key) {
  std::string ad;
  ad.reserve(header.size() + storage_key.size());
  ad.append(header);
  ad.append(storage_key);
  return ad;
}

absl::Status OpenError(std::string_view storage_key, std::string_view reason) {
  // Keys are plain (not secret); escape them so binary keys stay readable.
  return absl::DataLossError(absl::StrCat("failed to open sealed value at key \"",
                                          absl::CHexEscape(std::string(storage_key)),
                                          "\": ", std::string(reason)));
}

// Checks length and version; the common part of PeekTerm and OpenValue.
absl::Status CheckFraming(std::string_view sealed) {
  if (sealed.size() < kEnvelopeOverhead) {
    return absl::DataLossError(absl::StrCat("sealed value is truncated (", sealed.size(),
                                            " bytes, minimum ", kEnvelopeOverhead, ")"));
  }
  if (static_cast<uint8_t>(sealed[0]) != kEnvelopeVersion) {
    return absl::DataLossError(absl::StrCat("sealed value has unknown format version ",
                                            static_cast<int>(static_cast<uint8_t>(sealed[0]))));
  }
  return absl::OkStatus();
}

}  // namespace

std::string SealValue(const SecureBytes& key, uint32_t term, std::string_view storage_key,
                      std::string_view plaintext) {
  EnsureSodiumInitialized();
  if (key.size() != kEnvelopeKeySize) {
    std::fputs("registry::seal::SealValue: key is not 32 bytes\n", stderr);
    std::abort();
  }
  const std::string header = Header(term);
  const std::string ad = AssociatedData(header, storage_key);

  std::string out(kEnvelopeOverhead + plaintext.size(), '\0');
  std::copy(header.begin(), header.end(), out.begin());
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + kEnvelopeHeaderSize);
  FillRandom(nonce, kEnvelopeNonceSize);
  auto* ciphertext = nonce + kEnvelopeNonceSize;
  unsigned long long ciphertext_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, &ciphertext_len, Bytes(plaintext),
                                             plaintext.size(), Bytes(ad), ad.size(),
                                             /*nsec=*/nullptr, nonce, key.data());
  out.resize(kEnvelopeHeaderSize + kEnvelopeNonceSize + ciphertext_len);
  return out;
}

absl::StatusOr<uint32_t> PeekTerm(std::string_view sealed) {
  if (absl::Status s = CheckFraming(sealed); !s.ok()) return s;
  const auto* p = Bytes(sealed);
  return (uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | uint32_t{p[4]};
}

namespace {

// Decrypts `sealed` (already framed-checked) into `out`, which holds exactly
// ciphertext.size() - kEnvelopeTagSize bytes. False when authentication fails.
bool Decrypt(const SecureBytes& key, std::string_view storage_key, std::string_view sealed,
             unsigned char* out) {
  const std::string ad = AssociatedData(sealed.substr(0, kEnvelopeHeaderSize), storage_key);
  const std::string_view nonce = sealed.substr(kEnvelopeHeaderSize, kEnvelopeNonceSize);
  const std::string_view ciphertext = sealed.substr(kEnvelopeHeaderSize + kEnvelopeNonceSize);
  unsigned long long plaintext_len = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plaintext_len, /*nsec=*/nullptr,
                                                    Bytes(ciphertext), ciphertext.size(), Bytes(ad),
                                                    ad.size(), Bytes(nonce), key.data()) == 0 &&
         plaintext_len == ciphertext.size() - kEnvelopeTagSize;
}

constexpr std::string_view kAuthFailed =
    "authentication failed (wrong key, moved or tampered value)";

}  // namespace

absl::StatusOr<std::string> OpenValue(const SecureBytes& key, std::string_view storage_key,
                                      std::string_view sealed) {
  EnsureSodiumInitialized();
  if (absl::Status s = CheckFraming(sealed); !s.ok())
    return OpenError(storage_key, std::string(s.message()));
  if (key.size() != kEnvelopeKeySize) return OpenError(storage_key, "key is not 32 bytes");
  std::string plaintext(sealed.size() - kEnvelopeOverhead, '\0');
  if (!Decrypt(key, storage_key, sealed, reinterpret_cast<unsigned char*>(plaintext.data()))) {
    WipeString(plaintext);  // Nothing was written on failure, but keep the habit.
    return OpenError(storage_key, kAuthFailed);
  }
  return plaintext;
}

absl::StatusOr<SecureBytes> OpenValueSecure(const SecureBytes& key, std::string_view storage_key,
                                            std::string_view sealed) {
  EnsureSodiumInitialized();
  if (absl::Status s = CheckFraming(sealed); !s.ok())
    return OpenError(storage_key, std::string(s.message()));
  if (key.size() != kEnvelopeKeySize) return OpenError(storage_key, "key is not 32 bytes");
  SecureBytes plaintext(sealed.size() - kEnvelopeOverhead);
  // An empty SecureBytes has data() == nullptr; libsodium needs a writable pointer even for 0.
  unsigned char empty = 0;
  unsigned char* out = plaintext.empty() ? &empty : plaintext.data();
  if (!Decrypt(key, storage_key, sealed, out)) return OpenError(storage_key, kAuthFailed);
  return plaintext;
}

}  // namespace registry::seal
