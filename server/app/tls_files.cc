#include "server/app/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/app/log.h"
#include "server/core/sodium_codec.h"

namespace registry::app {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;  // Far above any real chain, key or CA bundle.
constexpr size_t kDigestBytes = 32;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr ReadOnlyBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The PEM certificates in `pem`, in order; empty when the first one does not parse. The empty
// passphrase keeps OpenSSL from prompting on a terminal.
std::vector<X509Ptr> ReadCertificates(std::string_view pem) {
  std::vector<X509Ptr> certificates;
  BioPtr bio = ReadOnlyBio(pem);
  while (bio != nullptr) {
    X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, const_cast<char*>("")));
    if (certificate == nullptr) break;
    certificates.push_back(std::move(certificate));
  }
  ERR_clear_error();  // The read past the last certificate leaves an error behind.
  return certificates;
}

// How many "-----BEGIN CERTIFICATE-----" blocks `pem` holds (to catch one that does not parse).
size_t CountCertificateBlocks(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  size_t count = 0;
  for (size_t at = pem.find(kBegin); at != std::string_view::npos;
       at = pem.find(kBegin, at + kBegin.size())) {
    ++count;
  }
  return count;
}

// Reads `path` (at most kMaxFileBytes) for `flag`: FAILED_PRECONDITION when it cannot be read,
// INVALID_ARGUMENT when it is too large. One buffer sized from the file, never regrown (a
// regrown buffer would free a copy of the key unwiped). A file changed in place while being read
// gives whatever was read, which the checks then see.
absl::StatusOr<std::string> ReadSmallFile(const char* flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : -1;
  if (size < 0 || !in.seekg(0)) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read --", flag, " ", path));
  }
  if (static_cast<size_t>(size) > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, " is larger than ", kMaxFileBytes, " bytes"));
  }
  std::string contents(static_cast<size_t>(size), '\0');
  in.read(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (in.bad()) {
    core::WipeString(contents);
    return absl::FailedPreconditionError(absl::StrCat("cannot read --", flag, " ", path));
  }
  contents.resize(static_cast<size_t>(in.gcount()));
  return contents;
}

// Prefixes `status`'s message with the flag and path it is about.
absl::Status About(const char* flag, const std::string& path, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("--", flag, " ", path, ": ", status.message()));
}

// One line naming the leaf certificate of `chain_pem` (a key after the chain is skipped): its
// subject and end of validity.
std::string DescribeLeaf(std::string_view chain_pem) {
  std::vector<X509Ptr> chain = ReadCertificates(chain_pem);
  if (chain.empty()) return "";
  BioPtr out(BIO_new(BIO_s_mem()));
  if (out == nullptr) return "";
  BIO_puts(out.get(), "subject ");
  X509_NAME_print_ex(out.get(), X509_get_subject_name(chain.front().get()), 0, XN_FLAG_RFC2253);
  BIO_puts(out.get(), ", valid until ");
  ASN1_TIME_print(out.get(), X509_get0_notAfter(chain.front().get()));
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

}  // namespace

namespace {

// The certificates of `pem` when there is at least one and all of them parse (CheckCertificates).
absl::StatusOr<std::vector<X509Ptr>> ParseCertificates(std::string_view pem) {
  std::vector<X509Ptr> certificates = ReadCertificates(pem);
  if (certificates.empty()) return absl::InvalidArgumentError("holds no PEM certificate");
  if (certificates.size() < CountCertificateBlocks(pem)) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate ", certificates.size() + 1, " of the file does not parse"));
  }
  return certificates;
}

}  // namespace

absl::Status CheckCertificates(std::string_view pem) { return ParseCertificates(pem).status(); }

absl::Status CheckKeyAndChain(std::string_view chain_pem, std::string_view key_pem) {
  absl::StatusOr<std::vector<X509Ptr>> chain = ParseCertificates(chain_pem);
  if (!chain.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--tls-cert-file ", chain.status().message()));
  }
  BioPtr bio = ReadOnlyBio(key_pem);
  PkeyPtr key(bio == nullptr
                  ? nullptr
                  : PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        "--tls-key-file holds no unencrypted PEM private key that parses");
  }
  if (X509_check_private_key(chain->front().get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "--tls-key-file is not the key of the first certificate in --tls-cert-file");
  }
  return absl::OkStatus();
}

struct CheckedTlsFiles::Checked {
  std::string identity;   // The chain, then the key.
  std::string client_ca;  // Empty without mTLS.

  Checked() = default;
  Checked(Checked&&) = default;
  ~Checked() { core::WipeString(identity); }
};

absl::StatusOr<CheckedTlsFiles::Checked> CheckedTlsFiles::ReadAndCheck(const Paths& paths) {
  absl::StatusOr<std::string> chain = ReadSmallFile("tls-cert-file", paths.cert);
  if (!chain.ok()) return chain.status();
  absl::StatusOr<std::string> key = ReadSmallFile("tls-key-file", paths.key);
  if (!key.ok()) return key.status();
  Checked checked;
  checked.identity = absl::StrCat(*chain, "\n", *key);
  const absl::Status pair = CheckKeyAndChain(*chain, *key);
  core::WipeString(*key);
  if (!pair.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(pair.message(), " (", paths.cert, ", ", paths.key, ")"));
  }
  if (!paths.client_ca.empty()) {
    absl::StatusOr<std::string> client_ca = ReadSmallFile("tls-client-ca-file", paths.client_ca);
    if (!client_ca.ok()) return client_ca.status();
    if (absl::Status parsed = CheckCertificates(*client_ca); !parsed.ok()) {
      return About("tls-client-ca-file", paths.client_ca, parsed);
    }
    checked.client_ca = *std::move(client_ca);
  }
  return checked;
}

absl::StatusOr<std::unique_ptr<CheckedTlsFiles>> CheckedTlsFiles::Open(
    Paths paths, absl::Duration poll_interval) {
  absl::StatusOr<Checked> checked = ReadAndCheck(paths);
  if (!checked.ok()) return checked.status();
  absl::StatusOr<MemoryFile> identity = MemoryFile::Create("tls-identity", checked->identity);
  if (!identity.ok()) return identity.status();
  std::optional<MemoryFile> client_ca;
  if (!paths.client_ca.empty()) {
    absl::StatusOr<MemoryFile> created = MemoryFile::Create("tls-client-ca", checked->client_ca);
    if (!created.ok()) return created.status();
    client_ca = *std::move(created);
  }
  Log(LogLevel::kInfo,
      absl::StrCat("TLS certificate from ", paths.cert, ": ", DescribeLeaf(checked->identity)));
  std::string identity_digest = core::Blake2b(checked->identity, kDigestBytes);
  std::string client_ca_digest = core::Blake2b(checked->client_ca, kDigestBytes);
  std::unique_ptr<CheckedTlsFiles> files(
      new CheckedTlsFiles(std::move(paths), *std::move(identity), std::move(client_ca),
                          std::move(identity_digest), std::move(client_ca_digest)));
  files->poller_ =
      std::thread([raw = files.get(), poll_interval] { raw->PollUntilStopped(poll_interval); });
  return files;
}

CheckedTlsFiles::CheckedTlsFiles(Paths paths, MemoryFile identity,
                                 std::optional<MemoryFile> client_ca, std::string identity_digest,
                                 std::string client_ca_digest)
    : paths_(std::move(paths)),
      identity_(std::move(identity)),
      client_ca_(std::move(client_ca)),
      identity_path_(identity_.path()),
      client_ca_path_(client_ca_.has_value() ? client_ca_->path() : ""),
      identity_digest_(std::move(identity_digest)),
      client_ca_digest_(std::move(client_ca_digest)) {}

CheckedTlsFiles::~CheckedTlsFiles() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (poller_.joinable()) poller_.join();
}

const std::string& CheckedTlsFiles::identity_path() const { return identity_path_; }
const std::string& CheckedTlsFiles::client_ca_path() const { return client_ca_path_; }

void CheckedTlsFiles::PollUntilStopped(absl::Duration interval) {
  absl::MutexLock lock(&mu_);
  while (true) {
    const absl::Time next = absl::Now() + interval;
    if (mu_.AwaitWithDeadline(absl::Condition(&stopping_), next)) return;
    mu_.Unlock();
    Refresh().IgnoreError();  // Refresh logs what it finds.
    mu_.Lock();
  }
}

absl::Status CheckedTlsFiles::Refresh() {
  absl::StatusOr<Checked> checked = ReadAndCheck(paths_);
  absl::MutexLock lock(&mu_);
  if (!checked.ok()) {
    if (checked.status().message() != last_failure_) {
      last_failure_ = std::string(checked.status().message());
      Log(LogLevel::kError, absl::StrCat("TLS files not taken, still serving the last good ones: ",
                                         checked.status().message()));
    }
    return checked.status();
  }
  last_failure_.clear();
  std::string identity_digest = core::Blake2b(checked->identity, kDigestBytes);
  std::string client_ca_digest = core::Blake2b(checked->client_ca, kDigestBytes);
  if (client_ca_.has_value() && client_ca_digest != client_ca_digest_) {
    if (absl::Status replaced = client_ca_->Replace(checked->client_ca); !replaced.ok()) {
      return replaced;
    }
    client_ca_digest_ = std::move(client_ca_digest);
    Log(LogLevel::kInfo, absl::StrCat("TLS client CA replaced from ", paths_.client_ca));
  }
  if (identity_digest != identity_digest_) {
    if (absl::Status replaced = identity_.Replace(checked->identity); !replaced.ok()) {
      return replaced;
    }
    identity_digest_ = std::move(identity_digest);
    Log(LogLevel::kInfo, absl::StrCat("TLS certificate replaced from ", paths_.cert, ": ",
                                      DescribeLeaf(checked->identity)));
  }
  return absl::OkStatus();
}

}  // namespace registry::app
