#include "server/seal/random.h"

#include <pthread.h>
#include <sodium.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "server/seal/secure_bytes.h"

namespace registry::seal {
namespace {

constexpr size_t kBlockSize = 4096;

// Bumped in every forked child, so blocks fetched before the fork are discarded there.
std::atomic<uint64_t> fork_generation{0};

void OnForkInChild() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct Block {
  unsigned char bytes[kBlockSize];
  size_t used = kBlockSize;  // Nothing available until the first refill.
  uint64_t generation = 0;
  ~Block() { sodium_memzero(bytes, sizeof(bytes)); }
};

thread_local Block block;

}  // namespace

void FillRandom(void* out, size_t size) {
  static std::once_flag registered;
  std::call_once(registered, [] {
    EnsureSodiumInitialized();
    pthread_atfork(nullptr, nullptr, OnForkInChild);
  });
  if (size > kBlockSize / 4) {
    randombytes_buf(out, size);
    return;
  }
  const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (block.generation != generation || kBlockSize - block.used < size) {
    randombytes_buf(block.bytes, kBlockSize);
    block.used = 0;
    block.generation = generation;
  }
  std::memcpy(out, block.bytes + block.used, size);
  sodium_memzero(block.bytes + block.used, size);
  block.used += size;
}

uint32_t RandomUint32() {
  uint32_t value;
  FillRandom(&value, sizeof(value));
  return value;
}

}  // namespace registry::seal
