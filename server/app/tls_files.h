// The TLS files registryd serves, checked before gRPC sees them.
//
// gRPC 1.51's file watcher takes whatever it reads: a readable key that is not the certificate's
// (or not a key at all) makes gRPC drop its handshaker, and every new handshake fails until the
// files are fixed. CheckedTlsFiles reads the operator's files itself, checks them with OpenSSL,
// and hands gRPC only material that passed: the certificate chain and the key together in one
// in-memory file (memfd: never a copy on disk), the client CA in another, each under a
// /proc/self/fd path whose contents are replaced whole (dup3), never edited in place. A check
// that fails is logged (the flag, the path and the reason; never key material) and the last
// good material stays in use.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/app/memory_file.h"

namespace registry::app {

// OK when `chain_pem` holds one or more PEM certificates, `key_pem` an unencrypted PEM private
// key, and the key belongs to the first certificate. INVALID_ARGUMENT with a short reason
// (naming the flags, never key material) otherwise.
absl::Status CheckKeyAndChain(std::string_view chain_pem, std::string_view key_pem);

// OK when `pem` holds one or more PEM certificates, all of which parse. INVALID_ARGUMENT
// otherwise.
absl::Status CheckCertificates(std::string_view pem);

// Thread-safe. Owns the published in-memory files and the thread that checks the operator's
// files every poll interval.
class CheckedTlsFiles final {
 public:
  struct Paths {
    std::string cert;       // --tls-cert-file: the certificate chain, leaf first.
    std::string key;        // --tls-key-file: the leaf's private key.
    std::string client_ca;  // --tls-client-ca-file; empty without mTLS.
  };

  // Checks and publishes the files once: FAILED_PRECONDITION when one cannot be read,
  // INVALID_ARGUMENT when one is not what its flag says (one line naming flag and path). Then
  // checks them again every `poll_interval` on its own thread until destroyed.
  static absl::StatusOr<std::unique_ptr<CheckedTlsFiles>> Open(Paths paths,
                                                               absl::Duration poll_interval);
  ~CheckedTlsFiles();
  CheckedTlsFiles(const CheckedTlsFiles&) = delete;
  CheckedTlsFiles& operator=(const CheckedTlsFiles&) = delete;

  // What gRPC's file watcher reads: the chain and the key in one file (the same path for both),
  // and the client CA ("" without mTLS).
  const std::string& identity_path() const;
  const std::string& client_ca_path() const;

  // Checks the operator's files now and publishes what changed, if all of it passed. Returns the
  // check's outcome; on failure the material published before stays.
  absl::Status Refresh();

 private:
  // What one check read: the identity file's contents (chain, then key) and the client CA's.
  struct Checked;
  static absl::StatusOr<Checked> ReadAndCheck(const Paths& paths);

  CheckedTlsFiles(Paths paths, MemoryFile identity, std::optional<MemoryFile> client_ca,
                  std::string identity_digest, std::string client_ca_digest);
  void PollUntilStopped(absl::Duration interval);

  const Paths paths_;
  absl::Mutex mu_;
  MemoryFile identity_ ABSL_GUARDED_BY(mu_);
  std::optional<MemoryFile> client_ca_ ABSL_GUARDED_BY(mu_);
  const std::string identity_path_;
  const std::string client_ca_path_;
  // Digests of what is published, so an unchanged file is not published again.
  std::string identity_digest_ ABSL_GUARDED_BY(mu_);
  std::string client_ca_digest_ ABSL_GUARDED_BY(mu_);
  std::string last_failure_ ABSL_GUARDED_BY(mu_);  // Logged once, until it changes.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread poller_;
};

}  // namespace registry::app
