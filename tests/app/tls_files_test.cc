// CheckedTlsFiles and MemoryFile without gRPC: which TLS files pass the checks, that only
// checked material is published, and how the in-memory files are replaced.
#include "server/app/tls_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/app/memory_file.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

int64_t MtimeSeconds(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return static_cast<int64_t>(info.st_mtim.tv_sec);
}

std::string LinkTarget(const std::string& path) {
  char target[256] = {};
  const ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : "";
}

TEST(MemoryFileTest, ReplacesTheContentsWholeUnderOnePathWithALaterMtime) {
  absl::StatusOr<app::MemoryFile> file = app::MemoryFile::Create("test-file", "first");
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string path = file->path();
  EXPECT_THAT(path, ::testing::StartsWith("/proc/self/fd/"));
  EXPECT_THAT(LinkTarget(path), ::testing::StartsWith("/memfd:test-file"));  // Not on disk.
  EXPECT_EQ(ReadFile(path), "first");
  int64_t mtime = MtimeSeconds(path);
  for (const std::string contents : {"second", "", "third, longer than the others"}) {
    ASSERT_TRUE(file->Replace(contents).ok());
    EXPECT_EQ(file->path(), path);
    EXPECT_EQ(ReadFile(path), contents);
    // Back to back, still a later second each time: a reader comparing mtimes sees the swap.
    const int64_t replaced = MtimeSeconds(path);
    EXPECT_GT(replaced, mtime);
    mtime = replaced;
  }
  // Sealed: not even this process can change a published version in place.
  FILE* writer = std::fopen(path.c_str(), "w");
  EXPECT_EQ(writer, nullptr);
  if (writer != nullptr) std::fclose(writer);
}

TEST(TlsFilesTest, CheckKeyAndChainTakesOnlyTheLeafsOwnKey) {
  Pki pki, other;
  const std::string leaf = pki.Read("server.pem"), key = pki.Read("server.key");
  EXPECT_TRUE(app::CheckKeyAndChain(leaf, key).ok());
  EXPECT_TRUE(app::CheckKeyAndChain(leaf + pki.Read("ca.pem"), key).ok());  // Leaf, then CA.

  auto refused = [](const std::string& chain, const std::string& key_pem) {
    const absl::Status status = app::CheckKeyAndChain(chain, key_pem);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("PRIVATE KEY-----")));
    return std::string(status.message());
  };
  EXPECT_THAT(refused(leaf, pki.Read("client.key")), HasSubstr("not the key of the first"));
  EXPECT_THAT(refused(leaf, other.Read("server.key")), HasSubstr("not the key of the first"));
  EXPECT_THAT(refused(pki.Read("ca.pem") + leaf, key), HasSubstr("not the key of the first"));
  EXPECT_THAT(refused(leaf, leaf), HasSubstr("no unencrypted PEM private key"));
  EXPECT_THAT(refused(leaf, ""), HasSubstr("no unencrypted PEM private key"));
  EXPECT_THAT(refused(key, key), HasSubstr("--tls-cert-file holds no PEM certificate"));
  // A truncated second certificate is refused, not silently dropped from the chain.
  const std::string ca = pki.Read("ca.pem");
  EXPECT_THAT(refused(leaf + ca.substr(0, ca.size() / 2) + "\n-----END CERTIFICATE-----\n", key),
              HasSubstr("certificate 2 of the file does not parse"));
}

TEST(TlsFilesTest, AnEncryptedKeyIsRefusedWithoutAPrompt) {
  Pki pki;
  TempDir dir;
  ASSERT_EQ(std::system(absl::StrCat("openssl pkey -in ", pki.File("server.key"),
                                     " -aes256 -passout pass:secret -out ", dir.File("enc.key"),
                                     " >/dev/null 2>&1")
                            .c_str()),
            0);
  const absl::Status status =
      app::CheckKeyAndChain(pki.Read("server.pem"), ReadFile(dir.File("enc.key")));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no unencrypted PEM private key"));
}

TEST(TlsFilesTest, CheckCertificatesWantsAtLeastOneAndAllParsing) {
  Pki pki;
  EXPECT_TRUE(app::CheckCertificates(pki.Read("ca.pem")).ok());
  EXPECT_TRUE(app::CheckCertificates(pki.Read("ca.pem") + pki.Read("server.pem")).ok());
  EXPECT_EQ(app::CheckCertificates("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(app::CheckCertificates(pki.Read("ca.key")).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(app::CheckCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// The operator's files in a temp dir, replaced the way Kubernetes does (rename over).
class LiveFiles {
 public:
  explicit LiveFiles(const Pki& pki) {
    Set(pki.Read("server.pem"), pki.Read("server.key"), pki.Read("ca.pem"));
  }
  void Set(const std::string& cert, const std::string& key, const std::string& ca) {
    Put("tls.crt", cert);
    Put("tls.key", key);
    Put("ca.crt", ca);
  }
  void Put(const std::string& name, const std::string& contents) {
    WriteFile(dir_.File(name + ".new"), contents);
    ASSERT_EQ(std::rename(dir_.File(name + ".new").c_str(), dir_.File(name).c_str()), 0);
  }
  app::CheckedTlsFiles::Paths paths() const {
    return {.cert = dir_.File("tls.crt"),
            .key = dir_.File("tls.key"),
            .client_ca = dir_.File("ca.crt")};
  }

 private:
  TempDir dir_;
};

TEST(TlsFilesTest, PublishesOnlyMaterialThatChecksOut) {
  Pki before, after;
  LiveFiles live(before);
  // A poll interval longer than the test: only the explicit Refresh calls check the files.
  absl::StatusOr<std::unique_ptr<app::CheckedTlsFiles>> files =
      app::CheckedTlsFiles::Open(live.paths(), absl::Hours(1));
  ASSERT_TRUE(files.ok()) << files.status();
  const std::string identity_path = (*files)->identity_path();
  const std::string ca_path = (*files)->client_ca_path();
  const std::string first_identity = ReadFile(identity_path);
  // One file holds the chain and the key, as gRPC's watcher reads both from it.
  EXPECT_THAT(first_identity, HasSubstr(before.Read("server.pem")));
  EXPECT_THAT(first_identity, HasSubstr(before.Read("server.key")));
  EXPECT_EQ(ReadFile(ca_path), before.Read("ca.pem"));
  EXPECT_TRUE((*files)->Refresh().ok());  // Unchanged files: nothing to publish.
  EXPECT_EQ(ReadFile(identity_path), first_identity);

  // Half of a renewal (the new certificate, the old key), a key that does not parse, a client CA
  // that does not parse, a missing key: refused, the published files stay as they were.
  live.Put("tls.crt", after.Read("server.pem"));
  EXPECT_EQ((*files)->Refresh().code(), absl::StatusCode::kInvalidArgument);
  live.Put("tls.key", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
  EXPECT_EQ((*files)->Refresh().code(), absl::StatusCode::kInvalidArgument);
  live.Set(after.Read("server.pem"), after.Read("server.key"), "not a CA\n");
  EXPECT_EQ((*files)->Refresh().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(std::remove(live.paths().key.c_str()), 0);
  EXPECT_EQ((*files)->Refresh().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFile(identity_path), first_identity);
  EXPECT_EQ(ReadFile(ca_path), before.Read("ca.pem"));

  // The whole renewal: published under the same paths.
  live.Set(after.Read("server.pem"), after.Read("server.key"), after.Read("ca.pem"));
  EXPECT_TRUE((*files)->Refresh().ok());
  EXPECT_EQ((*files)->identity_path(), identity_path);
  EXPECT_THAT(ReadFile(identity_path), HasSubstr(after.Read("server.pem")));
  EXPECT_THAT(ReadFile(identity_path), HasSubstr(after.Read("server.key")));
  EXPECT_EQ(ReadFile(ca_path), after.Read("ca.pem"));
}

TEST(TlsFilesTest, WithoutAClientCaOnlyTheIdentityIsPublished) {
  Pki pki;
  LiveFiles live(pki);
  app::CheckedTlsFiles::Paths paths = live.paths();
  paths.client_ca.clear();
  absl::StatusOr<std::unique_ptr<app::CheckedTlsFiles>> files =
      app::CheckedTlsFiles::Open(paths, absl::Hours(1));
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ((*files)->client_ca_path(), "");
  EXPECT_THAT(ReadFile((*files)->identity_path()), HasSubstr(pki.Read("server.pem")));
}

TEST(TlsFilesTest, ThePollerPicksUpAReplacement) {
  Pki before, after;
  LiveFiles live(before);
  absl::StatusOr<std::unique_ptr<app::CheckedTlsFiles>> files =
      app::CheckedTlsFiles::Open(live.paths(), absl::Seconds(1));
  ASSERT_TRUE(files.ok()) << files.status();
  live.Set(after.Read("server.pem"), after.Read("server.key"), after.Read("ca.pem"));
  // 60 s at most, so a poller that never runs fails the test rather than hanging it.
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up &&
         ReadFile((*files)->identity_path()).find(after.Read("server.pem")) == std::string::npos) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_THAT(ReadFile((*files)->identity_path()), HasSubstr(after.Read("server.pem")));
}

}  // namespace
}  // namespace registry::testing
