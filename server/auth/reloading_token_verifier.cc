// JWKS hot reload: a shared_ptr swap under a mutex, a verified-token cache cleared on every swap,
// and an optional polling watcher thread.
#include "server/auth/reloading_token_verifier.h"

#include <sys/stat.h>

#include <utility>

#include "server/auth/jwks.h"

namespace registry::auth {

class ReloadingTokenVerifier::CurrentKeys final : public TokenVerifier {
 public:
  explicit CurrentKeys(const ReloadingTokenVerifier* owner) : owner_(owner) {}

  // TokenVerifier
  absl::StatusOr<Principal> Verify(std::string_view token) const override {
    return owner_->VerifyUncached(token);
  }

 private:
  const ReloadingTokenVerifier* const owner_;  // Owns this object (through cache_).
};

ReloadingTokenVerifier::FileIdentity ReloadingTokenVerifier::Stat(const std::string& path) {
  struct stat st {};
  FileIdentity id;
  if (::stat(path.c_str(), &st) != 0) return id;
  id.exists = true;
  id.device = st.st_dev;
  id.inode = st.st_ino;
  id.size = st.st_size;
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  return id;
}

absl::StatusOr<std::unique_ptr<ReloadingTokenVerifier>> ReloadingTokenVerifier::Create(
    std::string jwks_path, JwtVerifierOptions options, size_t cache_max_entries) {
  // Stat before reading: if the file changes in between, the watcher sees a difference and
  // loads again rather than missing the change.
  const FileIdentity identity = Stat(jwks_path);
  absl::StatusOr<Jwks> jwks = LoadJwksFile(jwks_path);
  if (!jwks.ok()) return jwks.status();
  absl::StatusOr<TokenVerifierPtr> first = JwtVerifier::Create(*std::move(jwks), options);
  if (!first.ok()) return first.status();
  return std::unique_ptr<ReloadingTokenVerifier>(new ReloadingTokenVerifier(
      std::move(jwks_path), std::move(options), *std::move(first), identity, cache_max_entries));
}

ReloadingTokenVerifier::ReloadingTokenVerifier(std::string jwks_path, JwtVerifierOptions options,
                                               std::shared_ptr<const TokenVerifier> first,
                                               FileIdentity identity, size_t cache_max_entries)
    : jwks_path_(std::move(jwks_path)),
      options_(std::move(options)),
      seen_identity_(identity),
      current_(std::move(first)),
      cache_(std::make_unique<CurrentKeys>(this), cache_max_entries, options_.clock) {}

ReloadingTokenVerifier::~ReloadingTokenVerifier() { StopWatching(); }

absl::Status ReloadingTokenVerifier::Reload() {
  absl::MutexLock reload_lock(&reload_mu_);
  seen_identity_ = Stat(jwks_path_);
  absl::StatusOr<Jwks> jwks = LoadJwksFile(jwks_path_);
  if (!jwks.ok()) return jwks.status();
  absl::StatusOr<TokenVerifierPtr> next = JwtVerifier::Create(*std::move(jwks), options_);
  if (!next.ok()) return next.status();
  std::shared_ptr<const TokenVerifier> previous;
  // The swap and the clear are one step for Verify: a token cached under the old keys is never
  // answered after the swap, whatever starts afterwards uses the new keys, and no result of a
  // Verify that started earlier is inserted (see CachingTokenVerifier::ClearAfter).
  cache_.ClearAfter([&] {
    absl::MutexLock lock(&mu_);
    previous = std::exchange(current_, std::shared_ptr<const TokenVerifier>(*std::move(next)));
  });
  return absl::OkStatus();  // `previous` is freed here, or by the last Verify still using it.
}

absl::StatusOr<Principal> ReloadingTokenVerifier::Verify(std::string_view token) const {
  return cache_.Verify(token);
}

absl::StatusOr<Principal> ReloadingTokenVerifier::VerifyUncached(std::string_view token) const {
  std::shared_ptr<const TokenVerifier> current;
  {
    absl::MutexLock lock(&mu_);
    current = current_;
  }
  return current->Verify(token);
}

absl::Status ReloadingTokenVerifier::StartWatching(absl::Duration poll_interval,
                                                   ReloadCallback on_reload) {
  if (poll_interval <= absl::ZeroDuration() || poll_interval == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("JWKS watch poll interval must be positive and finite");
  }
  absl::MutexLock control(&watch_control_mu_);
  if (watcher_.joinable()) return absl::FailedPreconditionError("already watching the JWKS file");
  {
    absl::MutexLock lock(&watch_mu_);
    stop_watching_ = false;
  }
  watcher_ = std::thread([this, poll_interval, on_reload = std::move(on_reload)]() mutable {
    WatchLoop(poll_interval, std::move(on_reload));
  });
  return absl::OkStatus();
}

void ReloadingTokenVerifier::StopWatching() {
  absl::MutexLock control(&watch_control_mu_);
  if (!watcher_.joinable()) return;
  {
    absl::MutexLock lock(&watch_mu_);
    stop_watching_ = true;
  }
  watcher_.join();
}

void ReloadingTokenVerifier::WatchLoop(absl::Duration poll_interval, ReloadCallback on_reload) {
  for (;;) {
    {
      absl::MutexLock lock(&watch_mu_);
      if (watch_mu_.AwaitWithTimeout(absl::Condition(&stop_watching_), poll_interval)) return;
    }
    const FileIdentity now = Stat(jwks_path_);
    bool changed = false;
    {
      absl::MutexLock lock(&reload_mu_);
      changed = !(now == seen_identity_);
    }
    if (!changed) continue;
    const absl::Status outcome = Reload();
    if (on_reload) on_reload(outcome);
  }
}

}  // namespace registry::auth
