// Keyring: the data keys of the barrier, term -> 32-byte key. Terms start at 1 (term 0 is
// reserved for "sealed under the master key"); the highest term is current. The keyring is
// serialized, sealed under the master key and stored by the barrier.
//
// Serialized format (version 1), all integers big-endian:
//   version u8 (= 1) | count u32 | count * (term u32 | key[32])   terms strictly ascending
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/seal/secure_bytes.h"

namespace registry::seal {

inline constexpr size_t kDataKeySize = 32;

// Move-only (keys are SecureBytes). Not thread-safe: the barrier guards it, and treats a
// published Keyring as immutable (rotation builds a new one with Clone() + NewTerm()).
class Keyring {
 public:
  Keyring() = default;
  Keyring(Keyring&&) = default;
  Keyring& operator=(Keyring&&) = default;

  // A keyring holding one random key under term 1.
  static Keyring CreateInitial();

  // Parses Serialize() output. DATA_LOSS when the bytes are malformed (they come from an
  // opened envelope, so malformed means corrupt or written by an incompatible version).
  static absl::StatusOr<Keyring> Parse(std::string_view bytes);

  // The serialized keyring. Holds every key, so it is returned in SecureBytes.
  SecureBytes Serialize() const;

  // A deep copy (fresh SecureBytes for every key).
  Keyring Clone() const;

  // Adds a random key under term CurrentTerm() + 1 and returns that term. RESOURCE_EXHAUSTED
  // when the term space is used up.
  absl::StatusOr<uint32_t> NewTerm();

  // Adds `key` under `term`. INVALID_ARGUMENT if term is 0, already present, or the key is not
  // kDataKeySize bytes.
  absl::Status Add(uint32_t term, SecureBytes key);

  // The highest term; 0 when the keyring is empty.
  uint32_t CurrentTerm() const { return keys_.empty() ? 0 : keys_.rbegin()->first; }
  // The key of CurrentTerm(). REQUIRES: !empty().
  const SecureBytes& Current() const { return keys_.rbegin()->second; }
  // The key of `term`, or nullptr when the keyring has no such term. Borrowed: valid while
  // this Keyring lives and is not modified.
  const SecureBytes* Find(uint32_t term) const;

  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

 private:
  std::map<uint32_t, SecureBytes> keys_;
};

}  // namespace registry::seal
