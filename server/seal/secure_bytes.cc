// SecureBytes implementation over sodium_malloc / sodium_free.
#include "server/seal/secure_bytes.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace registry::seal {

void EnsureSodiumInitialized() {
  static const bool initialized = [] {
    if (sodium_init() < 0) {
      std::fputs("registry::seal: sodium_init() failed\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)initialized;
}

SecureBytes::SecureBytes(size_t size) {
  if (size == 0) return;
  EnsureSodiumInitialized();
  // sodium_malloc already mlock()s the pages it returns (best effort: a failure against
  // RLIMIT_MEMLOCK is not fatal), so no separate sodium_mlock call is needed here.
  data_ = static_cast<uint8_t*>(sodium_malloc(size));
  if (data_ == nullptr) {
    std::fputs("registry::seal: sodium_malloc failed\n", stderr);
    std::abort();
  }
  size_ = size;
  sodium_memzero(data_, size_);
}

SecureBytes SecureBytes::CopyOf(std::string_view bytes) {
  SecureBytes out(bytes.size());
  if (!bytes.empty()) std::memcpy(out.data_, bytes.data(), bytes.size());
  return out;
}

SecureBytes SecureBytes::Random(size_t size) {
  SecureBytes out(size);
  if (size != 0) randombytes_buf(out.data_, size);
  return out;
}

SecureBytes::~SecureBytes() { Reset(); }

SecureBytes::SecureBytes(SecureBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
  if (this != &other) {
    Reset();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

bool SecureBytes::SameBytes(const SecureBytes& other) const {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data_, size_) == 0;
}

void SecureBytes::Reset() {
  if (data_ != nullptr) {
    sodium_memzero(data_, size_);  // sodium_free wipes too; this keeps the intent explicit.
    sodium_free(data_);
  }
  data_ = nullptr;
  size_ = 0;
}

void WipeString(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

void WipePutValues(storage::WriteBatch& batch) {
  for (storage::KvMutation& mutation : batch.mutations) {
    sodium_memzero(mutation.value.data(), mutation.value.size());
  }
}

}  // namespace registry::seal
