// The production TokenVerifier: a JwtVerifier over the JWKS file at a path, behind a verified-token
// cache, whose keys can be replaced at run time (Reload on SIGHUP, or a watcher thread polling the
// file) so signing keys rotate without a restart.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/auth/caching_token_verifier.h"
#include "server/auth/jwt_verifier.h"
#include "server/auth/principal.h"
#include "server/auth/token_verifier.h"

namespace registry::auth {

// Verifies tokens against the keys most recently loaded from `jwks_path`.
//  - Reload() re-reads the file. On any error (unreadable, bad JSON, a refused key) it keeps the
//    current keys, leaves the cache alone and returns the error (LoadJwksFile's message: one line
//    naming the file, never key material). On success it swaps in the new keys, then clears the
//    cache, so a token whose key left the file is refused from the next Verify on.
//  - StartWatching() polls the file's identity (device, inode, size, mtime, ctime) every
//    poll_interval on a background thread and calls Reload() when it changes (including the file
//    disappearing or coming back). Replace the file atomically (write a temp file, rename it over
//    the old one, as Kubernetes does for mounted ConfigMaps/Secrets); an in-place rewrite of
//    the same size within the filesystem's timestamp granularity can go unnoticed until the next
//    change or SIGHUP. A failed reload is not retried until the file changes again.
// Thread-safe: Verify, Reload, StartWatching and StopWatching may be called from any thread.
// Verify never waits for file I/O.
class ReloadingTokenVerifier final : public TokenVerifier {
 public:
  // Called on the watcher thread after each reload the watcher triggered, with its outcome (OK or
  // the error Reload returned). Must be thread-safe and must not call StopWatching/StartWatching
  // or destroy the verifier.
  using ReloadCallback = std::function<void(const absl::Status& outcome)>;

  // Loads `jwks_path` and builds the first verifier. Fails as LoadJwksFile (FAILED_PRECONDITION,
  // INVALID_ARGUMENT) or JwtVerifier::Create (INVALID_ARGUMENT) do. options.clock also drives the
  // cache; cache_max_entries == 0 disables the cache.
  static absl::StatusOr<std::unique_ptr<ReloadingTokenVerifier>> Create(
      std::string jwks_path, JwtVerifierOptions options,
      size_t cache_max_entries = CachingTokenVerifier::kDefaultMaxEntries);

  // Stops the watcher (if any) and joins its thread.
  ~ReloadingTokenVerifier() override;

  // Re-reads the JWKS file; see the class comment. Concurrent calls are serialized.
  absl::Status Reload() ABSL_LOCKS_EXCLUDED(reload_mu_, mu_);

  // Starts the background watcher. `on_reload` (optional) is told each watcher-triggered outcome.
  // INVALID_ARGUMENT when poll_interval <= 0; FAILED_PRECONDITION when already watching.
  absl::Status StartWatching(absl::Duration poll_interval, ReloadCallback on_reload = {})
      ABSL_LOCKS_EXCLUDED(watch_control_mu_, watch_mu_);

  // Stops the watcher and waits for its thread; a no-op when not watching. Safe to call twice.
  void StopWatching() ABSL_LOCKS_EXCLUDED(watch_control_mu_, watch_mu_);

  // The path this verifier loads from.
  const std::string& jwks_path() const { return jwks_path_; }

  // Drops cached verified tokens (Reload does this itself).
  void ClearCache() { cache_.Clear(); }

  // TokenVerifier
  absl::StatusOr<Principal> Verify(std::string_view token) const override;

 private:
  // What the watcher compares between polls. exists == false when stat() failed.
  struct FileIdentity {
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    bool operator==(const FileIdentity&) const = default;
  };
  static FileIdentity Stat(const std::string& path);

  // Forwards to the current JwtVerifier; the inner verifier of cache_.
  class CurrentKeys;

  ReloadingTokenVerifier(std::string jwks_path, JwtVerifierOptions options,
                         std::shared_ptr<const TokenVerifier> first, FileIdentity identity,
                         size_t cache_max_entries);

  absl::StatusOr<Principal> VerifyUncached(std::string_view token) const ABSL_LOCKS_EXCLUDED(mu_);
  void WatchLoop(absl::Duration poll_interval, ReloadCallback on_reload)
      ABSL_LOCKS_EXCLUDED(watch_mu_, reload_mu_);

  const std::string jwks_path_;
  const JwtVerifierOptions options_;

  // Serializes Reload; held across file I/O. Ordered before mu_.
  absl::Mutex reload_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // The file's identity just before its last load attempt (successful or not): the watcher
  // reloads when the file no longer looks like this.
  FileIdentity seen_identity_ ABSL_GUARDED_BY(reload_mu_);

  // Guards only the pointer swap; Verify holds it just long enough to copy the shared_ptr.
  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenVerifier> current_ ABSL_GUARDED_BY(mu_);

  CachingTokenVerifier cache_;  // Over CurrentKeys.

  // Serializes StartWatching/StopWatching (held while joining); ordered before watch_mu_.
  absl::Mutex watch_control_mu_ ABSL_ACQUIRED_BEFORE(watch_mu_);
  std::thread watcher_ ABSL_GUARDED_BY(watch_control_mu_);
  // The watcher thread waits on this with a timeout; StopWatching sets it.
  absl::Mutex watch_mu_;
  bool stop_watching_ ABSL_GUARDED_BY(watch_mu_) = false;
};

}  // namespace registry::auth
