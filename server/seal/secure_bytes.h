// SecureBytes: key material lives here, never in std::string. The buffer comes from
// sodium_malloc (guard pages, mlock()ed, canary) and is wiped and freed on destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/kv_store.h"

namespace registry::seal {

// Zeroes the values of `batch`'s puts in place (sodium_memzero), for a batch holding plaintext
// that is done with: sealed, or staged and dropped.
void WipePutValues(storage::WriteBatch& batch);

// Calls sodium_init() exactly once per process (thread-safe, function-local static). Aborts if
// libsodium cannot initialize, since nothing in the barrier can work without it. Every seal
// entry point calls it; callers need not.
void EnsureSodiumInitialized();

// A fixed-size, move-only buffer for secrets.
// The memory is sodium_malloc()ed, which places guard pages around it and mlock()s it so it is
// not swapped out; destruction (and move-assignment over a live buffer) zeroes it with
// sodium_memzero semantics (sodium_free wipes) and frees it.
// Thread safety: like a std::string; concurrent const access is safe.
class SecureBytes {
 public:
  // Empty: size() == 0, data() == nullptr.
  SecureBytes() = default;
  // `size` zero bytes. Aborts if the allocation fails (out of memory or address space).
  explicit SecureBytes(size_t size);
  // A copy of `bytes`. The caller stays responsible for wiping its own copy.
  static SecureBytes CopyOf(std::string_view bytes);
  // `size` bytes from the system CSPRNG (randombytes_buf).
  static SecureBytes Random(size_t size);

  ~SecureBytes();
  SecureBytes(SecureBytes&& other) noexcept;
  SecureBytes& operator=(SecureBytes&& other) noexcept;
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  // Borrowed view of the bytes; valid until this object is destroyed or moved from.
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(data_), size_);
  }

  // Constant-time comparison (sodium_memcmp); false when the sizes differ.
  bool SameBytes(const SecureBytes& other) const;

 private:
  void Reset();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Wipes a std::string's bytes in place (sodium_memzero) before it is released. For the places
// where secrets pass through standard types (files read, decoded plaintext).
void WipeString(std::string& s);

}  // namespace registry::seal
