// seal::FillRandom: bytes are never handed out twice (across block refills and threads) and a
// forked child does not reuse its parent's block.
#include "server/seal/random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace registry::seal {
namespace {

std::string Nonce() {
  std::string nonce(24, '\0');
  FillRandom(nonce.data(), nonce.size());
  return nonce;
}

TEST(FillRandomTest, NoncesAreDistinctAcrossRefillsAndThreads) {
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& nonces : per_thread) {
    threads.emplace_back([&nonces] {
      for (int i = 0; i < 2000; ++i) nonces.push_back(Nonce());  // ~12 block refills.
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> seen;
  for (const auto& nonces : per_thread) seen.insert(nonces.begin(), nonces.end());
  EXPECT_EQ(seen.size(), 8000u);
}

TEST(FillRandomTest, LargeRequestsAreFilled) {
  std::string big(10000, '\0');
  FillRandom(big.data(), big.size());
  EXPECT_NE(big, std::string(10000, '\0'));
}

TEST(FillRandomTest, AForkedChildDoesNotReuseTheParentsBlock) {
  (void)Nonce();  // The parent holds a partly used block.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string nonce = Nonce();
    (void)!write(pipe_fds[1], nonce.data(), nonce.size());
    _exit(0);
  }
  const std::string parent_next = Nonce();
  std::string child_next(24, '\0');
  ASSERT_EQ(read(pipe_fds[0], child_next.data(), child_next.size()), 24);
  int status = 0;
  waitpid(child, &status, 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  EXPECT_NE(parent_next, child_next);
}

}  // namespace
}  // namespace registry::seal
