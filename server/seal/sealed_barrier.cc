// SealedBarrier: Barrier over a KvStore with a keyring of data keys sealed under the master
// key. Concurrency: the current keyring is an immutable snapshot behind a shared_ptr swapped
// under mu_; rotations are serialized by rotate_mu_ and persist the new keyring before any
// write can use its term. Write and WriteAsync both apply through the group committer, whose
// store write holds write_mu_ (a reader/writer lock) shared; a rewrap batch holds it exclusively
// while it re-checks and replaces the values it re-sealed, so a rewrap never overwrites a
// concurrent Write.
#include "server/seal/sealed_barrier.h"

#include <sodium.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/seal/envelope.h"
#include "server/seal/keyring.h"
#include "server/seal/secure_bytes.h"
#include "storage/group_commit.h"

namespace registry::seal {
namespace {

using storage::KeyValue;
using storage::KvMutation;
using storage::KvStore;
using storage::KvStorePtr;
using storage::WriteBatch;

// Envelope term of values sealed under the master key rather than a keyring key.
constexpr uint32_t kMasterKeyTerm = 0;
constexpr std::string_view kCheckPlaintext = "cloudmanager-registry barrier check v1";
// Page size of the full scans (startup term check, CountValuesByTerm).
constexpr size_t kFullScanPage = 4096;
// crypto_kdf parameters of the fingerprint key: fixed, so fingerprints are stable.
constexpr char kFingerprintContext[crypto_kdf_CONTEXTBYTES + 1] = "regfprnt";
constexpr uint64_t kFingerprintSubkeyId = 1;
constexpr size_t kFingerprintKeySize = 32;
constexpr size_t kFingerprintSize = 16;
static_assert(kFingerprintKeySize >= crypto_generichash_KEYBYTES_MIN &&
              kFingerprintKeySize <= crypto_generichash_KEYBYTES_MAX);
static_assert(kFingerprintSize >= crypto_generichash_BYTES_MIN);
static_assert(crypto_kdf_KEYBYTES == kEnvelopeKeySize);

bool IsReserved(std::string_view key) { return key.starts_with(kBarrierKeyPrefix); }

std::string Printable(std::string_view key) { return absl::CHexEscape(std::string(key)); }

absl::Status ReservedKeyError(std::string_view key) {
  return absl::InvalidArgumentError(
      absl::StrCat("key \"", Printable(key), "\" is reserved for the barrier"));
}

// The keyring and check value, sealed under `master_key`, as one batch.
WriteBatch SealMetadata(const SecureBytes& master_key, const Keyring& keyring) {
  SecureBytes serialized = keyring.Serialize();
  WriteBatch batch;
  batch.Put(std::string(kKeyringKey),
            SealValue(master_key, kMasterKeyTerm, kKeyringKey, serialized.view()));
  batch.Put(std::string(kCheckKey),
            SealValue(master_key, kMasterKeyTerm, kCheckKey, kCheckPlaintext));
  return batch;
}

// The key of Fingerprint(): crypto_kdf subkey of the master key under a fixed context.
SecureBytes DeriveFingerprintKey(const SecureBytes& master_key) {
  SecureBytes key(kFingerprintKeySize);
  crypto_kdf_derive_from_key(key.data(), key.size(), kFingerprintSubkeyId, kFingerprintContext,
                             master_key.data());
  return key;
}

// Calls `visit(key, sealed_value)` for every stored key outside kBarrierKeyPrefix, in key
// order, paging through the store; stops at the first error `visit` returns.
template <typename Visit>
absl::Status ForEachStoredValue(KvStore& store, Visit visit) {
  std::string cursor;
  while (true) {
    absl::StatusOr<std::vector<KeyValue>> page = store.Scan("", cursor, kFullScanPage);
    if (!page.ok()) return page.status();
    for (const KeyValue& kv : *page) {
      if (IsReserved(kv.key)) continue;
      if (absl::Status s = visit(kv.key, kv.value); !s.ok()) return s;
    }
    if (page->size() < kFullScanPage) return absl::OkStatus();
    cursor = page->back().key;
  }
}

// FAILED_PRECONDITION naming the first stored value whose (well-framed) term `keyring` lacks.
// Values that are not sealed values at all are left to fail as DATA_LOSS when read.
absl::Status CheckTermsInUse(KvStore& store, const Keyring& keyring) {
  return ForEachStoredValue(store, [&](const std::string& key, std::string_view sealed) {
    absl::StatusOr<uint32_t> term = PeekTerm(sealed);
    if (!term.ok() || keyring.Find(*term) != nullptr) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat("value ", Printable(key),
                                                      " is sealed with key term ", *term,
                                                      ", which the keyring does not hold; "
                                                      "refusing to start"));
  });
}

// True when `master_key` opens the sealed check value to the expected constant.
bool OpensCheck(const SecureBytes& master_key, std::string_view sealed_check) {
  absl::StatusOr<uint32_t> term = PeekTerm(sealed_check);
  if (!term.ok() || *term != kMasterKeyTerm) return false;
  absl::StatusOr<std::string> plain = OpenValue(master_key, kCheckKey, sealed_check);
  return plain.ok() && *plain == kCheckPlaintext;
}

class SealedBarrier final : public Barrier {
 public:
  SealedBarrier(KvStorePtr store, SecureBytes master_key, Keyring keyring)
      : store_(std::move(store)),
        master_key_(std::move(master_key)),
        fingerprint_key_(DeriveFingerprintKey(master_key_)),
        keyring_(std::make_shared<const Keyring>(std::move(keyring))),
        committer_([this](const WriteBatch& sealed) {
          absl::ReaderMutexLock lock(&write_mu_);
          return store_->Write(sealed);
        }) {}

  // Barrier:
  absl::StatusOr<std::string> Get(std::string_view key) override;
  absl::Status Write(const WriteBatch& batch) override;
  void WriteAsync(WriteBatch batch, std::function<void(absl::Status)> done) override;
  absl::StatusOr<std::vector<KeyValue>> Scan(std::string_view prefix, std::string_view start_after,
                                             size_t limit) override;
  absl::StatusOr<std::vector<std::string>> ScanKeys(std::string_view prefix,
                                                    std::string_view start_after,
                                                    size_t limit) override;
  absl::StatusOr<uint32_t> RotateDataKey() override;
  uint32_t CurrentTerm() const override;
  absl::StatusOr<RewrapProgress> RewrapBatch(std::string_view start_after,
                                             size_t batch_size) override;
  absl::StatusOr<std::map<uint32_t, uint64_t>> CountValuesByTerm() override;
  std::string Fingerprint(std::string_view secret) const override;

 private:
  // The keyring as of now; stays valid (and unchanged) while the caller holds it.
  std::shared_ptr<const Keyring> Snapshot() const {
    absl::ReaderMutexLock lock(&mu_);
    return keyring_;
  }

  // Opens `sealed`, stored under `key`, with the keyring key its envelope names.
  static absl::StatusOr<std::string> Open(const Keyring& keyring, std::string_view key,
                                          std::string_view sealed);

  // KvStore::Scan without the barrier's own keys, still honouring `limit`.
  absl::StatusOr<std::vector<KeyValue>> ScanVisible(std::string_view prefix,
                                                    std::string_view start_after, size_t limit);

  const KvStorePtr store_;
  const SecureBytes master_key_;       // The current master key; seals the keyring on rotation.
  const SecureBytes fingerprint_key_;  // DeriveFingerprintKey(master_key_).
  absl::Mutex rotate_mu_;              // Serializes RotateDataKey.
  // Shared: a Write's store write. Exclusive: a rewrap batch's re-check and store write.
  absl::Mutex write_mu_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Keyring> keyring_ ABSL_GUARDED_BY(mu_);
  // WriteAsync's group commit. Last member: destroyed first, so queued writes drain while the
  // store and locks above still exist.
  storage::GroupCommitter committer_;
};

// `batch` with every put value sealed under the current term; INVALID_ARGUMENT on an empty or
// reserved key.
absl::StatusOr<WriteBatch> SealBatch(const Keyring& keyring, const WriteBatch& batch) {
  for (const KvMutation& m : batch.mutations) {
    if (m.key.empty()) return absl::InvalidArgumentError("empty key");
    if (IsReserved(m.key)) return ReservedKeyError(m.key);
  }
  const uint32_t term = keyring.CurrentTerm();
  const SecureBytes& key = keyring.Current();
  WriteBatch sealed;
  sealed.mutations.reserve(batch.mutations.size());
  for (const KvMutation& m : batch.mutations) {
    if (m.kind == KvMutation::Kind::kPut) {
      sealed.Put(m.key, SealValue(key, term, m.key, m.value));
    } else {
      sealed.Delete(m.key);
    }
  }
  return sealed;
}

absl::StatusOr<std::string> SealedBarrier::Open(const Keyring& keyring, std::string_view key,
                                                std::string_view sealed) {
  absl::StatusOr<uint32_t> term = PeekTerm(sealed);
  if (!term.ok()) {
    return absl::DataLossError(absl::StrCat("failed to open sealed value at key \"", Printable(key),
                                            "\": ", term.status().message()));
  }
  const SecureBytes* data_key = keyring.Find(*term);
  if (data_key == nullptr) {
    return absl::DataLossError(absl::StrCat("failed to open sealed value at key \"", Printable(key),
                                            "\": sealed with unknown key term ", *term));
  }
  return OpenValue(*data_key, key, sealed);
}

absl::StatusOr<std::string> SealedBarrier::Get(std::string_view key) {
  if (IsReserved(key)) return ReservedKeyError(key);
  absl::StatusOr<std::string> sealed = store_->Get(key);
  if (!sealed.ok()) return sealed.status();
  return Open(*Snapshot(), key, *sealed);
}

absl::Status SealedBarrier::Write(const WriteBatch& batch) {
  absl::StatusOr<WriteBatch> sealed = SealBatch(*Snapshot(), batch);
  if (!sealed.ok()) return sealed.status();
  // Through the committer like WriteAsync: concurrent writers share one sync and the store
  // sees a single writer thread. Letting 64 handler threads into RocksDB's own write group
  // cost more CPU in its leader/follower hand-offs and parallel memtable inserts than the
  // writes themselves (CreateRegistry profile). Never called on the committer's threads.
  absl::Status result;
  absl::Notification written;
  committer_.Submit(*std::move(sealed), [&](absl::Status status) {
    result = std::move(status);
    written.Notify();
  });
  written.WaitForNotification();
  return result;
}

void SealedBarrier::WriteAsync(WriteBatch batch, std::function<void(absl::Status)> done) {
  absl::StatusOr<WriteBatch> sealed = SealBatch(*Snapshot(), batch);
  WipePutValues(batch);  // The plaintext is the caller's no more: wipe, not just free, it.
  if (!sealed.ok()) {
    done(sealed.status());
    return;
  }
  committer_.Submit(*std::move(sealed), std::move(done));
}

absl::StatusOr<std::vector<KeyValue>> SealedBarrier::ScanVisible(std::string_view prefix,
                                                                 std::string_view start_after,
                                                                 size_t limit) {
  std::vector<KeyValue> out;
  std::string cursor(start_after);
  // Reserved keys are few, so this loops at most a couple of times, and only for scans whose
  // range covers kBarrierKeyPrefix.
  while (true) {
    const size_t want = limit == 0 ? 0 : limit - out.size();
    absl::StatusOr<std::vector<KeyValue>> page = store_->Scan(prefix, cursor, want);
    if (!page.ok()) return page.status();
    const bool exhausted = want == 0 || page->size() < want;
    if (!page->empty()) cursor = page->back().key;
    for (KeyValue& kv : *page) {
      if (!IsReserved(kv.key)) out.push_back(std::move(kv));
    }
    if (exhausted || page->empty() || out.size() >= limit) return out;
  }
}

absl::StatusOr<std::vector<KeyValue>> SealedBarrier::Scan(std::string_view prefix,
                                                          std::string_view start_after,
                                                          size_t limit) {
  absl::StatusOr<std::vector<KeyValue>> entries = ScanVisible(prefix, start_after, limit);
  if (!entries.ok()) return entries.status();
  const std::shared_ptr<const Keyring> keyring = Snapshot();
  for (size_t i = 0; i < entries->size(); ++i) {
    KeyValue& kv = (*entries)[i];
    absl::StatusOr<std::string> plain = Open(*keyring, kv.key, kv.value);
    if (!plain.ok()) {
      for (size_t j = 0; j < i; ++j) WipeString((*entries)[j].value);  // Opened so far.
      return plain.status();
    }
    kv.value = std::move(*plain);
  }
  return entries;
}

absl::StatusOr<std::vector<std::string>> SealedBarrier::ScanKeys(std::string_view prefix,
                                                                 std::string_view start_after,
                                                                 size_t limit) {
  absl::StatusOr<std::vector<KeyValue>> entries = ScanVisible(prefix, start_after, limit);
  if (!entries.ok()) return entries.status();
  std::vector<std::string> keys;
  keys.reserve(entries->size());
  for (KeyValue& kv : *entries) keys.push_back(std::move(kv.key));
  return keys;
}

absl::StatusOr<uint32_t> SealedBarrier::RotateDataKey() {
  absl::MutexLock rotate_lock(&rotate_mu_);
  Keyring next = Snapshot()->Clone();
  absl::StatusOr<uint32_t> term = next.NewTerm();
  if (!term.ok()) return term.status();
  // Persist first: a value sealed under the new term must never exist without its key.
  SecureBytes serialized = next.Serialize();
  WriteBatch batch;
  batch.Put(std::string(kKeyringKey),
            SealValue(master_key_, kMasterKeyTerm, kKeyringKey, serialized.view()));
  if (absl::Status s = store_->Write(batch); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  keyring_ = std::make_shared<const Keyring>(std::move(next));
  return *term;
}

uint32_t SealedBarrier::CurrentTerm() const { return Snapshot()->CurrentTerm(); }

absl::StatusOr<RewrapProgress> SealedBarrier::RewrapBatch(std::string_view start_after,
                                                          size_t batch_size) {
  if (batch_size == 0) return absl::InvalidArgumentError("RewrapBatch: batch_size must be > 0");
  absl::StatusOr<std::vector<KeyValue>> page = ScanVisible("", start_after, batch_size);
  if (!page.ok()) return page.status();

  RewrapProgress progress;
  progress.scanned = page->size();
  progress.done = page->size() < batch_size;
  if (!progress.done) progress.next_start_after = page->back().key;

  // Open and re-seal outside any lock; `page` keeps the bytes that were read, to re-check.
  const std::shared_ptr<const Keyring> keyring = Snapshot();
  const uint32_t term = keyring->CurrentTerm();
  std::vector<const KeyValue*> stale;
  WriteBatch resealed;
  for (const KeyValue& kv : *page) {
    absl::StatusOr<uint32_t> old_term = PeekTerm(kv.value);
    if (old_term.ok() && *old_term == term) continue;
    absl::StatusOr<std::string> plain = Open(*keyring, kv.key, kv.value);
    if (!plain.ok()) return plain.status();  // Nothing of this batch is applied.
    resealed.Put(kv.key, SealValue(keyring->Current(), term, kv.key, *plain));
    WipeString(*plain);
    stale.push_back(&kv);
  }
  if (stale.empty()) return progress;

  // Replace only values nobody wrote since they were read: Writes wait while we hold write_mu_,
  // and a changed (random-nonce) sealed value never compares equal to the old one.
  absl::MutexLock lock(&write_mu_);
  WriteBatch apply;
  for (size_t i = 0; i < stale.size(); ++i) {
    absl::StatusOr<std::string> now = store_->Get(stale[i]->key);
    if (absl::IsNotFound(now.status())) continue;  // Deleted meanwhile.
    if (!now.ok()) return now.status();
    if (*now != stale[i]->value) continue;  // Overwritten meanwhile: the newer value wins.
    apply.mutations.push_back(std::move(resealed.mutations[i]));
  }
  if (apply.mutations.empty()) return progress;
  if (absl::Status s = store_->Write(apply); !s.ok()) return s;
  progress.rewrapped = apply.mutations.size();
  return progress;
}

absl::StatusOr<std::map<uint32_t, uint64_t>> SealedBarrier::CountValuesByTerm() {
  std::map<uint32_t, uint64_t> counts;
  absl::Status s =
      ForEachStoredValue(*store_, [&](const std::string& key, std::string_view sealed) {
        absl::StatusOr<uint32_t> term = PeekTerm(sealed);
        if (!term.ok()) {
          return absl::DataLossError(absl::StrCat(
              "value ", Printable(key), " is not a sealed value: ", term.status().message()));
        }
        ++counts[*term];
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return counts;
}

std::string SealedBarrier::Fingerprint(std::string_view secret) const {
  unsigned char digest[kFingerprintSize];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), fingerprint_key_.data(), fingerprint_key_.size());
  char hex[2 * kFingerprintSize + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  sodium_memzero(digest, sizeof digest);
  return std::string(hex, 2 * kFingerprintSize);
}

// Loads the keyring from an existing store, checks that it holds every term in use, and only
// then re-seals it under master_keys[0] when an older master key opened it.
absl::StatusOr<Keyring> LoadKeyring(KvStore& store, const std::vector<SecureBytes>& master_keys,
                                    std::string_view sealed_check,
                                    std::string_view sealed_keyring) {
  size_t opener = 0;
  while (opener < master_keys.size() && !OpensCheck(master_keys[opener], sealed_check)) ++opener;
  if (opener == master_keys.size()) {
    return absl::FailedPreconditionError(
        "master key does not open the data dir (check value mismatch): wrong --master-key-file?");
  }
  absl::StatusOr<Keyring> keyring;
  {
    absl::StatusOr<SecureBytes> plain =
        OpenValueSecure(master_keys[opener], kKeyringKey, sealed_keyring);
    if (!plain.ok()) return plain.status();
    keyring = Keyring::Parse(plain->view());
  }  // The serialized keyring is wiped here.
  if (!keyring.ok()) return keyring.status();
  if (absl::Status s = CheckTermsInUse(store, *keyring); !s.ok()) return s;
  if (opener != 0) {
    if (absl::Status s = store.Write(SealMetadata(master_keys[0], *keyring)); !s.ok()) return s;
  }
  return keyring;
}

}  // namespace

absl::StatusOr<BarrierPtr> OpenSealedBarrier(KvStorePtr store, MasterKeys master_keys) {
  EnsureSodiumInitialized();
  if (store == nullptr) return absl::InvalidArgumentError("OpenSealedBarrier: store is null");
  if (master_keys.keys.empty()) return absl::InvalidArgumentError("no master key");
  for (const SecureBytes& key : master_keys.keys) {
    if (key.size() != kEnvelopeKeySize) {
      return absl::InvalidArgumentError("master key is not 32 bytes");
    }
  }

  absl::StatusOr<std::string> check = store->Get(kCheckKey);
  absl::StatusOr<std::string> sealed_keyring = store->Get(kKeyringKey);
  for (const absl::StatusOr<std::string>* got : {&check, &sealed_keyring}) {
    if (!got->ok() && !absl::IsNotFound(got->status())) return got->status();
  }

  absl::StatusOr<Keyring> keyring;
  if (check.ok() && sealed_keyring.ok()) {
    keyring = LoadKeyring(*store, master_keys.keys, *check, *sealed_keyring);
  } else if (check.ok() || sealed_keyring.ok()) {
    return absl::DataLossError(absl::StrCat(
        "barrier metadata is incomplete: ", std::string(check.ok() ? kKeyringKey : kCheckKey),
        " is missing; restore from a backup"));
  } else {
    absl::StatusOr<std::vector<KeyValue>> any = store->Scan("", "", 1);
    if (!any.ok()) return any.status();
    if (!any->empty()) {
      return absl::DataLossError(
          "store holds data but no barrier keyring; refusing to create a new one over it "
          "(restore from a backup)");
    }
    keyring = Keyring::CreateInitial();
    if (absl::Status s = store->Write(SealMetadata(master_keys.keys[0], *keyring)); !s.ok()) {
      return s;
    }
  }
  if (!keyring.ok()) return keyring.status();
  return std::make_unique<SealedBarrier>(std::move(store), std::move(master_keys.keys[0]),
                                         std::move(*keyring));
}

}  // namespace registry::seal
