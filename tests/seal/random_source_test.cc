// seal::FillRandom draws on the operating system's CSPRNG once per 4 KiB block: a 32-byte seed,
// not the block itself. Its own binary: it swaps the process's libsodium randombytes source for
// one that counts what is asked of it (and passes the request on to the system source).
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstddef>
#include <set>
#include <string>
#include <thread>

#include "server/seal/random.h"

namespace registry::seal {
namespace {

size_t source_calls = 0;
size_t source_bytes = 0;

void CountingBuf(void* const buf, const size_t size) {
  ++source_calls;
  source_bytes += size;
  randombytes_sysrandom_implementation.buf(buf, size);
}

uint32_t CountingRandom() {
  uint32_t value;
  CountingBuf(&value, sizeof(value));
  return value;
}

const char* CountingName() { return "counting"; }

randombytes_implementation counting_source = {
    .implementation_name = CountingName,
    .random = CountingRandom,
    .stir = nullptr,
    .uniform = nullptr,
    .buf = CountingBuf,
    .close = nullptr,
};

TEST(RandomSourceTest, EachBlockTakesOneSeedFromTheSystem) {
  ASSERT_EQ(randombytes_set_implementation(&counting_source), 0);
  unsigned char first;
  FillRandom(&first, 1);  // Initializes libsodium (which draws a canary) on this thread.
  source_calls = 0;
  source_bytes = 0;
  std::set<std::string> nonces;
  // A thread of its own: a fresh (empty) block. 1 000 nonces of 24 bytes fill 6 blocks of 4 KiB
  // (170 nonces each).
  std::thread([&nonces] {
    for (int i = 0; i < 1000; ++i) {
      std::string nonce(24, '\0');
      FillRandom(nonce.data(), nonce.size());
      nonces.insert(nonce);
    }
  }).join();
  EXPECT_EQ(nonces.size(), 1000u);
  EXPECT_EQ(source_calls, 6u);
  EXPECT_EQ(source_bytes, 6u * randombytes_SEEDBYTES);
}

}  // namespace
}  // namespace registry::seal
