// The sealed value format (version 1), as pure functions:
//
//   version u8 (= 1) | key term u32 big-endian | nonce[24] | ciphertext + tag[16]
//
// XChaCha20-Poly1305-IETF with a random nonce. The associated data is the 5 header bytes
// followed by the storage key, so a blob copied under another key, or with its term or
// version altered, fails to open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/seal/secure_bytes.h"

namespace registry::seal {

inline constexpr uint8_t kEnvelopeVersion = 1;
inline constexpr size_t kEnvelopeHeaderSize = 5;  // version + term.
inline constexpr size_t kEnvelopeNonceSize = 24;  // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
inline constexpr size_t kEnvelopeTagSize = 16;    // crypto_aead_xchacha20poly1305_ietf_ABYTES
inline constexpr size_t kEnvelopeKeySize = 32;    // crypto_aead_xchacha20poly1305_ietf_KEYBYTES
inline constexpr size_t kEnvelopeOverhead =
    kEnvelopeHeaderSize + kEnvelopeNonceSize + kEnvelopeTagSize;

// Seals `plaintext` for storage under `storage_key`, recording `term` (the id of `key`).
// REQUIRES: key.size() == kEnvelopeKeySize (aborts otherwise: a programming error).
std::string SealValue(const SecureBytes& key, uint32_t term, std::string_view storage_key,
                      std::string_view plaintext);

// The key term a sealed value claims, read without opening it (unauthenticated until
// OpenValue succeeds). DATA_LOSS when the value is too short or of an unknown version.
absl::StatusOr<uint32_t> PeekTerm(std::string_view sealed);

// Opens a value sealed by SealValue under `key` for `storage_key`. DATA_LOSS naming the
// storage key ("failed to open ...") when the value is truncated, of an unknown version, or
// fails authentication (wrong key, wrong storage key, tampered bytes). Messages never contain
// value content. The caller owns the plaintext and should WipeString() it when done.
absl::StatusOr<std::string> OpenValue(const SecureBytes& key, std::string_view storage_key,
                                      std::string_view sealed);

// Like OpenValue, but the plaintext is decrypted straight into locked, wiped-on-destruction
// memory. For values that hold key material (the keyring), so no copy of a key ever sits in
// a std::string.
absl::StatusOr<SecureBytes> OpenValueSecure(const SecureBytes& key, std::string_view storage_key,
                                            std::string_view sealed);

}  // namespace registry::seal
