// Random bytes for nonces and identifiers on the hot path: libsodium's randombytes_buf (the
// operating system's CSPRNG), fetched in 4 KiB blocks per thread, so sealing a value costs no
// system call of its own. Every byte is handed out once and wiped from the block as it is taken.
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
