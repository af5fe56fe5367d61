// Verified-token cache: an LRU list plus a hash index, keyed by keyed BLAKE2b digests.
#include "server/auth/caching_token_verifier.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "server/auth/sodium_support.h"

namespace registry::auth {
namespace {

std::array<uint8_t, 32> RandomHashKey() {
  std::array<uint8_t, 32> key{};
  if (!internal::InitSodium().ok()) {
    // Without libsodium there is no BLAKE2b either; nothing sensible to do.
    std::fprintf(stderr, "registry_auth: libsodium failed to initialize\n");
    std::abort();
  }
  randombytes_buf(key.data(), key.size());
  return key;
}

std::function<absl::Time()> OrWallClock(std::function<absl::Time()> clock) {
  if (!clock) clock = [] { return absl::Now(); };
  return clock;
}

}  // namespace

CachingTokenVerifier::CachingTokenVerifier(TokenVerifierPtr inner, size_t max_entries,
                                           std::function<absl::Time()> clock)
    : inner_(std::move(inner)),
      max_entries_(max_entries),
      clock_(OrWallClock(std::move(clock))),
      hash_key_(RandomHashKey()) {}

CachingTokenVerifier::Digest CachingTokenVerifier::DigestOf(std::string_view token) const {
  Digest digest;
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const uint8_t*>(token.data()),
                     token.size(), hash_key_.data(), hash_key_.size());
  return digest;
}

void CachingTokenVerifier::Clear() {
  ClearAfter([] {});
}

void CachingTokenVerifier::ClearAfter(absl::FunctionRef<void()> replace_keys) {
  absl::MutexLock lock(&mu_);
  replace_keys();
  index_.clear();
  lru_.clear();
  ++generation_;
}

size_t CachingTokenVerifier::size() const {
  absl::MutexLock lock(&mu_);
  return lru_.size();
}

absl::StatusOr<Principal> CachingTokenVerifier::Verify(std::string_view token) const {
  if (max_entries_ == 0 || token.empty() || token.size() > kMaxCachedTokenBytes) {
    return inner_->Verify(token);
  }
  const Digest digest = DigestOf(token);
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    generation = generation_;
    if (auto it = index_.find(digest); it != index_.end()) {
      if (clock_() < it->second->principal.expires_at) {
        lru_.splice(lru_.begin(), lru_, it->second);  // Mark most recently used.
        return it->second->principal;
      }
      lru_.erase(it->second);
      index_.erase(it);
    }
  }

  absl::StatusOr<Principal> principal = inner_->Verify(token);
  if (!principal.ok() || !(clock_() < principal->expires_at)) return principal;

  absl::MutexLock lock(&mu_);
  if (generation != generation_) return principal;  // Cleared meanwhile: keys may have changed.
  if (auto it = index_.find(digest); it != index_.end()) {
    // Another thread verified the same token meanwhile; keep the fresher result.
    it->second->principal = *principal;
    lru_.splice(lru_.begin(), lru_, it->second);
    return principal;
  }
  while (lru_.size() >= max_entries_) {
    index_.erase(lru_.back().digest);
    lru_.pop_back();
  }
  lru_.push_front(Entry{digest, *principal});
  index_.emplace(digest, lru_.begin());
  return principal;
}

}  // namespace registry::auth
