// Random bytes for nonces and identifiers on the hot path, in 4 KiB blocks per thread, so sealing
// a value costs no system call of its own: each block is libsodium's ChaCha20 expansion
// (randombytes_buf_deterministic) of a fresh 32-byte seed from randombytes_buf (the operating
// system's CSPRNG), one system call per block. Every byte is handed out once and wiped from the
// block as it is taken; requests over 1 KiB go to randombytes_buf directly.
#pragma once

#include <cstddef>
#include <cstdint>

namespace registry::seal {

// Fills `out` with `size` random bytes. Thread-safe (per-thread blocks). Fork-safe: a child
// process never reuses bytes its parent had fetched.
void FillRandom(void* out, size_t size);

// A uniformly random 32-bit value (FillRandom).
uint32_t RandomUint32();

}  // namespace registry::seal
