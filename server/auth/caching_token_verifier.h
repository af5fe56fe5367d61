// A TokenVerifier decorator that remembers successfully verified tokens until they expire, so a
// caller presenting the same bearer token on every RPC pays for one signature check, not one per
// call. Bounded; keyed by a keyed BLAKE2b digest of the token (the raw token is never stored).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/auth/principal.h"
#include "server/auth/token_verifier.h"

namespace registry::auth {

// Caches the Principals `inner` returns.
//  - Hit: a previous successful Verify of the same token whose Principal::expires_at is still in
//    the future by the injected clock; the cached Principal is returned without calling `inner`.
//  - Only successes are cached. Failures always go to `inner` (and cost what they cost there), so
//    a token refused once is re-checked on its next use; nothing negative is remembered.
//  - A Principal whose expires_at is not after now (including the default InfinitePast) is not
//    cached.
//  - Bounded to max_entries; when full, the least recently used entry is evicted (expired entries
//    are dropped when found). max_entries == 0 disables caching (every call goes to `inner`).
//  - Tokens longer than kMaxCachedTokenBytes bypass the cache.
//  - Clear() empties the cache, and a Verify that started before Clear() returned never inserts
//    its result afterwards. For a key rotation use ClearAfter(swap): the swap runs under the
//    cache's lock, so no Verify is answered from the cache between the swap and the clear, and
//    no token verified by an old key survives the rotation.
// Thread-safe: Verify and Clear may be called concurrently. `inner` is called without the lock.
class CachingTokenVerifier final : public TokenVerifier {
 public:
  static constexpr size_t kDefaultMaxEntries = 10000;
  static constexpr size_t kMaxCachedTokenBytes = 16 * 1024;

  // `clock` defaults to absl::Now when empty; it must be thread-safe. Use the same clock as the
  // inner verifier.
  // REQUIRES: inner != nullptr.
  explicit CachingTokenVerifier(TokenVerifierPtr inner, size_t max_entries = kDefaultMaxEntries,
                                std::function<absl::Time()> clock = {});

  // Drops every cached entry.
  void Clear() ABSL_LOCKS_EXCLUDED(mu_);
  // Runs `replace_keys` and then drops every cached entry, both under the cache's lock: Verify
  // calls wait meanwhile, and the first to look at the cache afterwards finds it empty.
  // `replace_keys` must not call into this cache.
  void ClearAfter(absl::FunctionRef<void()> replace_keys) ABSL_LOCKS_EXCLUDED(mu_);

  // The number of cached entries (expired ones not yet dropped included); never > max_entries.
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

  // TokenVerifier
  absl::StatusOr<Principal> Verify(std::string_view token) const override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Digest = std::array<uint8_t, 32>;
  struct Entry {
    Digest digest;
    Principal principal;
  };
  using Lru = std::list<Entry>;  // Most recently used first.

  Digest DigestOf(std::string_view token) const;

  const TokenVerifierPtr inner_;
  const size_t max_entries_;
  const std::function<absl::Time()> clock_;
  const Digest hash_key_;  // Random per instance: digests mean nothing outside this process.

  mutable absl::Mutex mu_;
  mutable Lru lru_ ABSL_GUARDED_BY(mu_);
  mutable absl::flat_hash_map<Digest, Lru::iterator> index_ ABSL_GUARDED_BY(mu_);
  // Bumped by Clear(); a Verify inserts only if it is unchanged since the Verify began.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace registry::auth
