// Fuzzes the sealed-value decoder and the other binary/text formats of the barrier
// (server/seal/): OpenValue, OpenValueSecure and PeekTerm with a fixed key, Keyring::Parse and
// ParseMasterKeys. The first input byte picks the mode; the rest is the mode's data:
//   'S'  seal-then-tamper: a storage key, a plaintext, a key term and one byte to XOR into the
//        sealed value, read with FuzzedDataProvider (the storage key as a backslash-terminated
//        string from the front, the integers from the back). SealValue with the fixed key, then
//        every honest open must succeed and every altered one must fail.
//   'K'  Keyring::Parse of the data.
//   'M'  ParseMasterKeys of the data.
//   else the data is a sealed value opened under the fixed key at a fixed storage key.
// Invariants (abort on violation):
// - arbitrary bytes never open under the fixed key (a forgery), and both opens refuse with
//   DATA_LOSS; PeekTerm succeeds exactly for version-1 values of at least 45 bytes and returns
//   the big-endian term;
// - a sealed value opens (both ways) to its plaintext and reports its term, but not under
//   another key, another storage key, truncated, or with any bit flipped;
// - a parsed keyring re-serializes to exactly its input (the format is canonical), with terms
//   strictly ascending from >= 1 and 32-byte keys;
// - parsed master keys are non-empty, 32 bytes each, at most one per input line.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/seal/envelope.h"
#include "server/seal/keyring.h"
#include "server/seal/master_key.h"
#include "server/seal/secure_bytes.h"

namespace {

namespace seal = ::registry::seal;

constexpr std::string_view kStorageKey = "r/users/alice/ghcr";

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_envelope: invariant violated: %s\n", what);
  std::abort();
}

const seal::SecureBytes& Key() {
  static const seal::SecureBytes* key =
      new seal::SecureBytes(seal::SecureBytes::CopyOf("fuzz-envelope-fixed-key-32-bytes"));
  return *key;
}

const seal::SecureBytes& OtherKey() {
  static const seal::SecureBytes* key =
      new seal::SecureBytes(seal::SecureBytes::CopyOf("fuzz-envelope-other-key-32-bytes"));
  return *key;
}

bool Opens(const seal::SecureBytes& key, std::string_view storage_key, std::string_view sealed) {
  absl::StatusOr<std::string> plain = seal::OpenValue(key, storage_key, sealed);
  absl::StatusOr<seal::SecureBytes> secure = seal::OpenValueSecure(key, storage_key, sealed);
  Check(plain.ok() == secure.ok(), "OpenValue and OpenValueSecure disagree");
  if (!plain.ok()) {
    Check(plain.status().code() == absl::StatusCode::kDataLoss, "open refusal is not DATA_LOSS");
    Check(secure.status().code() == absl::StatusCode::kDataLoss, "open refusal is not DATA_LOSS");
    return false;
  }
  Check(*plain == secure->view(), "OpenValue and OpenValueSecure differ");
  return true;
}

void FuzzOpen(std::string_view sealed) {
  Check(!Opens(Key(), kStorageKey, sealed), "arbitrary bytes opened under the fixed key");
  absl::StatusOr<uint32_t> term = seal::PeekTerm(sealed);
  const bool framed = sealed.size() >= seal::kEnvelopeOverhead &&
                      static_cast<uint8_t>(sealed[0]) == seal::kEnvelopeVersion;
  Check(term.ok() == framed, "PeekTerm framing check wrong");
  if (term.ok()) {
    const auto* p = reinterpret_cast<const uint8_t*>(sealed.data());
    Check(*term == ((uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4]),
          "PeekTerm returned the wrong term");
  } else {
    Check(term.status().code() == absl::StatusCode::kDataLoss, "PeekTerm refusal not DATA_LOSS");
  }
}

void FuzzSealTamper(std::string_view data) {
  FuzzedDataProvider fdp(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  const uint32_t term = fdp.ConsumeIntegral<uint32_t>();
  const std::string storage_key = fdp.ConsumeRandomLengthString(64);
  const uint16_t offset = fdp.ConsumeIntegral<uint16_t>();
  const uint8_t mask = fdp.ConsumeIntegral<uint8_t>();
  const std::string plaintext = fdp.ConsumeRemainingBytesAsString();

  const std::string sealed = seal::SealValue(Key(), term, storage_key, plaintext);
  Check(sealed.size() == plaintext.size() + seal::kEnvelopeOverhead, "sealed size wrong");
  absl::StatusOr<uint32_t> peeked = seal::PeekTerm(sealed);
  Check(peeked.ok() && *peeked == term, "PeekTerm lost the term");
  absl::StatusOr<std::string> opened = seal::OpenValue(Key(), storage_key, sealed);
  Check(opened.ok() && *opened == plaintext, "sealed value does not open to its plaintext");
  Check(Opens(Key(), storage_key, sealed), "OpenValueSecure refused a sealed value");

  Check(!Opens(OtherKey(), storage_key, sealed), "opened under another key");
  Check(!Opens(Key(), storage_key + '\0', sealed), "opened under a longer storage key");
  if (!storage_key.empty()) {
    Check(!Opens(Key(), std::string_view(storage_key).substr(1), sealed),
          "opened under a shorter storage key");
  }
  Check(!Opens(Key(), storage_key, std::string_view(sealed).substr(0, sealed.size() - 1)),
        "opened truncated");
  Check(!Opens(Key(), storage_key, sealed + '\0'), "opened with a trailing byte");
  if (mask != 0) {
    std::string tampered = sealed;
    tampered[offset % tampered.size()] ^= static_cast<char>(mask);
    Check(!Opens(Key(), storage_key, tampered), "opened with a flipped bit");
  }
}

void FuzzKeyring(std::string_view bytes) {
  absl::StatusOr<seal::Keyring> keyring = seal::Keyring::Parse(bytes);
  if (!keyring.ok()) {
    Check(keyring.status().code() == absl::StatusCode::kDataLoss, "keyring refusal not DATA_LOSS");
    return;
  }
  Check(!keyring->empty(), "empty keyring accepted");
  Check(keyring->Serialize().view() == bytes, "keyring does not re-serialize to its input");
  Check(keyring->Clone().Serialize().view() == bytes, "cloned keyring differs");
  Check(keyring->Find(0) == nullptr, "term 0 accepted");
  const seal::SecureBytes* current = keyring->Find(keyring->CurrentTerm());
  Check(current == &keyring->Current() && current->size() == seal::kDataKeySize,
        "current key wrong");
}

void FuzzMasterKeys(std::string_view contents) {
  absl::StatusOr<seal::MasterKeys> keys = seal::ParseMasterKeys(contents);
  if (!keys.ok()) {
    Check(keys.status().code() == absl::StatusCode::kInvalidArgument,
          "master key refusal not INVALID_ARGUMENT");
    return;
  }
  Check(!keys->keys.empty(), "no master key accepted");
  const size_t lines = static_cast<size_t>(std::count(contents.begin(), contents.end(), '\n')) + 1;
  Check(keys->keys.size() <= lines, "more keys than lines");
  for (const seal::SecureBytes& key : keys->keys) {
    Check(key.size() == seal::kMasterKeySize, "master key not 32 bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'S':
      FuzzSealTamper(rest);
      break;
    case 'K':
      FuzzKeyring(rest);
      break;
    case 'M':
      FuzzMasterKeys(rest);
      break;
    default:
      FuzzOpen(rest);
  }
  return 0;
}
