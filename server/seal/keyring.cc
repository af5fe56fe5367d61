// Keyring implementation and its binary serialization.
#include "server/seal/keyring.h"

#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace registry::seal {
namespace {

constexpr uint8_t kKeyringVersion = 1;
constexpr size_t kKeyringHeaderSize = 1 + 4;
constexpr size_t kEntrySize = 4 + kDataKeySize;

void PutU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

uint32_t GetU32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

absl::Status Malformed(std::string_view why) {
  return absl::DataLossError(absl::StrCat("keyring is malformed: ", std::string(why)));
}

}  // namespace

Keyring Keyring::CreateInitial() {
  Keyring keyring;
  keyring.keys_.emplace(1, SecureBytes::Random(kDataKeySize));
  return keyring;
}

absl::StatusOr<Keyring> Keyring::Parse(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < kKeyringHeaderSize) return Malformed("truncated header");
  if (p[0] != kKeyringVersion) {
    return Malformed(absl::StrCat("unknown version ", static_cast<int>(p[0])));
  }
  const uint32_t count = GetU32(p + 1);
  if (count == 0) return Malformed("no keys");
  if ((bytes.size() - kKeyringHeaderSize) / kEntrySize != count ||
      (bytes.size() - kKeyringHeaderSize) % kEntrySize != 0) {
    return Malformed("size does not match the key count");
  }
  Keyring keyring;
  uint32_t previous = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* entry = p + kKeyringHeaderSize + size_t{i} * kEntrySize;
    const uint32_t term = GetU32(entry);
    if (term <= previous) return Malformed("terms not strictly ascending from 1");
    previous = term;
    keyring.keys_.emplace(term, SecureBytes::CopyOf(std::string_view(
                                    reinterpret_cast<const char*>(entry + 4), kDataKeySize)));
  }
  return keyring;
}

SecureBytes Keyring::Serialize() const {
  SecureBytes out(kKeyringHeaderSize + keys_.size() * kEntrySize);
  uint8_t* p = out.data();
  p[0] = kKeyringVersion;
  PutU32(p + 1, static_cast<uint32_t>(keys_.size()));
  p += kKeyringHeaderSize;
  for (const auto& [term, key] : keys_) {
    PutU32(p, term);
    std::memcpy(p + 4, key.data(), kDataKeySize);
    p += kEntrySize;
  }
  return out;
}

Keyring Keyring::Clone() const {
  Keyring copy;
  for (const auto& [term, key] : keys_) copy.keys_.emplace(term, SecureBytes::CopyOf(key.view()));
  return copy;
}

absl::StatusOr<uint32_t> Keyring::NewTerm() {
  const uint32_t current = CurrentTerm();
  if (current == std::numeric_limits<uint32_t>::max()) {
    return absl::ResourceExhaustedError("keyring term space exhausted");
  }
  keys_.emplace(current + 1, SecureBytes::Random(kDataKeySize));
  return current + 1;
}

absl::Status Keyring::Add(uint32_t term, SecureBytes key) {
  if (term == 0) return absl::InvalidArgumentError("keyring term 0 is reserved");
  if (key.size() != kDataKeySize) return absl::InvalidArgumentError("data key is not 32 bytes");
  if (!keys_.emplace(term, std::move(key)).second) {
    return absl::InvalidArgumentError(absl::StrCat("keyring already has term ", term));
  }
  return absl::OkStatus();
}

const SecureBytes* Keyring::Find(uint32_t term) const {
  auto it = keys_.find(term);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace registry::seal
