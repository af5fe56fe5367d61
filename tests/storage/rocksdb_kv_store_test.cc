// Runs the KvStore conformance suite against RocksDbKvStore, plus the RocksDB-only behaviour:
// durability across reopen, the data-dir lock and refusing a corrupt data dir.
#include "storage/rocksdb/rocksdb_kv_store.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/storage/kv_store_conformance.h"

namespace registry::storage::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fresh directory under ::testing::TempDir(), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::path(::testing::TempDir()) / "rocksdb_kv_store_test.XXXXXX").string();
    char* made = ::mkdtemp(templ.data());
    if (made == nullptr) std::abort();
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Forwards to a RocksDbKvStore and deletes its directory once the store is closed.
class TempRocksDbKvStore final : public KvStore {
 public:
  TempRocksDbKvStore() {
    absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store =
        RocksDbKvStore::Open({.path = dir_.path() + "/db"});
    if (!store.ok()) std::abort();
    store_ = std::move(*store);
  }
  ~TempRocksDbKvStore() override { store_.reset(); }  // Close before TempDir removes the files.

  // KvStore:
  absl::StatusOr<std::string> Get(std::string_view key) override { return store_->Get(key); }
  absl::Status Write(const WriteBatch& batch) override { return store_->Write(batch); }
  absl::StatusOr<std::vector<KeyValue>> Scan(std::string_view prefix, std::string_view start_after,
                                             size_t limit) override {
    return store_->Scan(prefix, start_after, limit);
  }

 private:
  TempDir dir_;
  std::unique_ptr<RocksDbKvStore> store_;
};

INSTANTIATE_TEST_SUITE_P(RocksDb, KvStoreConformanceTest,
                         ::testing::Values(KvStoreFactory{
                             "RocksDb", [] { return std::make_unique<TempRocksDbKvStore>(); }}),
                         KvStoreFactoryName);

class RocksDbKvStoreTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return dir_.path() + "/data/db"; }

  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> Open() {
    return RocksDbKvStore::Open({.path = DbPath()});
  }

  TempDir dir_;
};

TEST_F(RocksDbKvStoreTest, CreatesMissingDirectories) {
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(fs::exists(fs::path(DbPath()) / "registryd.lock"));
  EXPECT_NE((*store)->db(), nullptr);
}

TEST_F(RocksDbKvStoreTest, MissingDirWithoutCreateIsNotFound) {
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store =
      RocksDbKvStore::Open({.path = DbPath(), .create_if_missing = false});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kNotFound) << store.status();
  EXPECT_FALSE(fs::exists(DbPath()));
}

TEST_F(RocksDbKvStoreTest, DataSurvivesReopen) {
  {
    absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store = Open();
    ASSERT_TRUE(store.ok()) << store.status();
    WriteBatch batch;
    batch.Put("r/users/alice/a", "1");
    batch.Put("r/users/alice/b", "2");
    ASSERT_TRUE((*store)->Write(batch).ok());
    WriteBatch del;
    del.Delete("r/users/alice/a");
    ASSERT_TRUE((*store)->Write(del).ok());
  }
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store =
      RocksDbKvStore::Open({.path = DbPath(), .create_if_missing = false});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Get("r/users/alice/a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*store)->Get("r/users/alice/b").value_or(""), "2");
}

TEST_F(RocksDbKvStoreTest, SecondOpenOfLockedDirIsFailedPrecondition) {
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> first = Open();
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> second = Open();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
  EXPECT_THAT(second.status().message(), HasSubstr(DbPath()));
  // The failed open must not have disturbed the first store.
  WriteBatch batch;
  batch.Put("k", "v");
  EXPECT_TRUE((*first)->Write(batch).ok());
}

TEST_F(RocksDbKvStoreTest, LockIsReleasedOnClose) {
  { ASSERT_TRUE(Open().ok()); }
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> again = Open();
  EXPECT_TRUE(again.ok()) << again.status();
}

// Writes a database holding one key, closes it and returns its files.
std::vector<fs::path> MakeDatabase(const std::string& path) {
  {
    absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store = RocksDbKvStore::Open({.path = path});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return {};
    WriteBatch batch;
    batch.Put("r/users/alice/a", "precious");
    EXPECT_TRUE((*store)->Write(batch).ok());
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(path)) files.push_back(e.path());
  return files;
}

void Overwrite(const fs::path& file, std::string_view contents) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << contents;
}

// A corrupt dir is refused with DATA_LOSS and left as it was: never repaired or reset.
void ExpectRefusedAsCorrupt(const std::string& path) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store = RocksDbKvStore::Open({.path = path});
    ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
    EXPECT_THAT(store.status().message(), HasSubstr("data dir " + path + " is corrupt"));
    EXPECT_THAT(store.status().message(), HasSubstr("restore from a backup"));
  }
}

TEST_F(RocksDbKvStoreTest, GarbageCurrentIsDataLoss) {
  MakeDatabase(DbPath());
  Overwrite(fs::path(DbPath()) / "CURRENT", "garbage without newline");
  ExpectRefusedAsCorrupt(DbPath());
  // RocksDB's own diagnosis is passed on.
  EXPECT_THAT(RocksDbKvStore::Open({.path = DbPath()}).status().message(), HasSubstr("Corruption"));
}

TEST_F(RocksDbKvStoreTest, GarbageManifestIsDataLoss) {
  int manifests = 0;
  for (const fs::path& file : MakeDatabase(DbPath())) {
    if (file.filename().string().starts_with("MANIFEST-")) {
      Overwrite(file, std::string(4096, '\x5a'));
      ++manifests;
    }
  }
  ASSERT_GT(manifests, 0);
  ExpectRefusedAsCorrupt(DbPath());
}

TEST_F(RocksDbKvStoreTest, CurrentPointingAtMissingManifestIsDataLoss) {
  MakeDatabase(DbPath());
  Overwrite(fs::path(DbPath()) / "CURRENT", "MANIFEST-999999\n");
  ExpectRefusedAsCorrupt(DbPath());
}

TEST_F(RocksDbKvStoreTest, DeletedCurrentIsDataLossNotAFreshDatabase) {
  MakeDatabase(DbPath());
  fs::remove(fs::path(DbPath()) / "CURRENT");
  ExpectRefusedAsCorrupt(DbPath());
  EXPECT_FALSE(fs::exists(fs::path(DbPath()) / "CURRENT"));
}

}  // namespace
}  // namespace registry::storage::testing
