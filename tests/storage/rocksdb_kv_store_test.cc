// Runs the KvStore conformance suite against RocksDbKvStore, plus the RocksDB-only behaviour:
// durability across reopen, the data-dir lock, refusing a corrupt data dir, unsynced bulk
// writes made durable by Flush, and Scan under the owner prefix extractor (prefix-mode and
// total-order scans over memtable and SST files agree with a plain ordered map).
#include "storage/rocksdb/rocksdb_kv_store.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/perf_context.h"
#include "rocksdb/perf_level.h"
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

TEST(OwnerPrefixLengthTest, CutsRegistryKeysAfterTheOwner) {
  EXPECT_EQ(OwnerPrefixLength("r/users/alice/reg-1"), std::string("r/users/alice/").size());
  EXPECT_EQ(OwnerPrefixLength("r/users/alice/"), std::string("r/users/alice/").size());
  EXPECT_EQ(OwnerPrefixLength("r/groups/team/a/b"), std::string("r/groups/team/").size());
  EXPECT_EQ(OwnerPrefixLength("r/users/alice"), 0u);
  EXPECT_EQ(OwnerPrefixLength("r/users/"), 0u);
  EXPECT_EQ(OwnerPrefixLength("r/"), 0u);
  EXPECT_EQ(OwnerPrefixLength(""), 0u);
  EXPECT_EQ(OwnerPrefixLength("a/e/users/alice/reg-1/e1"), 0u);
  EXPECT_EQ(OwnerPrefixLength("m/barrier/keyring"), 0u);
}

TEST_F(RocksDbKvStoreTest, UnsyncedWritesAreDurableAfterFlush) {
  {
    absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store =
        RocksDbKvStore::Open({.path = DbPath(), .sync_writes = false});
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < 100; ++i) {
      WriteBatch batch;
      batch.Put("r/users/bulk/reg-" + std::to_string(i), std::string(100, 'v'));
      ASSERT_TRUE((*store)->Write(batch).ok());
    }
    ASSERT_TRUE((*store)->Flush().ok());
    ASSERT_TRUE((*store)->CompactAll().ok());
  }
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store =
      RocksDbKvStore::Open({.path = DbPath(), .create_if_missing = false});
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::vector<KeyValue>> all = (*store)->Scan("r/users/bulk/", "", 0);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 100u);
}

// A point read of a key the memtable does not hold is answered by the memtable's bloom filter
// instead of a skiplist search (the Resolve path reads records while the memtable fills with
// audit events). RocksDB's per-thread perf context counts the filter's answers.
TEST_F(RocksDbKvStoreTest, MemtableBloomFilterAnswersReadsOfKeysItDoesNotHold) {
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  WriteBatch batch;
  for (int i = 0; i < 100; ++i) batch.Put("a/e/users/alice/reg-1/" + std::to_string(i), "event");
  batch.Put("r/users/alice/reg-1", "record");
  ASSERT_TRUE((*store)->Write(batch).ok());

  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  EXPECT_EQ((*store)->Get("r/users/alice/reg-2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*store)->Get("r/users/bob/reg-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*store)->Get("r/users/alice/reg-1").value_or("?"), "record");
  const uint64_t misses = rocksdb::get_perf_context()->bloom_memtable_miss_count;
  const uint64_t hits = rocksdb::get_perf_context()->bloom_memtable_hit_count;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  EXPECT_EQ(misses, 2u);
  EXPECT_EQ(hits, 1u);
}

// Scan under the prefix extractor, against a std::map model, with the keys spread over several
// SST files (flushed at different times, one compaction) and the memtable, overwrites and
// deletes in newer layers, and prefixes that are exactly an owner prefix (prefix mode), shorter,
// longer or unrelated (total order).
TEST_F(RocksDbKvStoreTest, ScanMatchesOrderedMapAcrossFilesAndPrefixes) {
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> opened = Open();
  ASSERT_TRUE(opened.ok()) << opened.status();
  RocksDbKvStore& store = **opened;
  std::map<std::string, std::string> model;
  auto put = [&](const std::string& key, const std::string& value) {
    WriteBatch batch;
    batch.Put(key, value);
    ASSERT_TRUE(store.Write(batch).ok());
    model[key] = value;
  };
  auto del = [&](const std::string& key) {
    WriteBatch batch;
    batch.Delete(key);
    ASSERT_TRUE(store.Write(batch).ok());
    model.erase(key);
  };

  const std::vector<std::string> owners = {"users/a", "users/al", "users/alice", "users/alice0",
                                           "users/b", "groups/x", "users/alice!"};
  // Layer 1: compacted to the bottom level.
  for (const std::string& owner : owners) {
    for (int j = 0; j < 4; ++j) put("r/" + owner + "/reg-" + std::to_string(j), "v1");
  }
  for (const std::string& odd : std::vector<std::string>{
           "r/", "r/users", "r/users/", "r/users/alice", "a/e/users/alice/x", "m/barrier/check",
           "m/x", std::string("\xff\xff", 2), std::string("r/users/alice/\xff", 15)}) {
    put(odd, "odd");
  }
  ASSERT_TRUE(store.Flush().ok());
  ASSERT_TRUE(store.CompactAll().ok());
  // Layer 2: an L0 file with new owners, overwrites and deletes.
  for (int j = 2; j < 6; ++j) put("r/users/alice/reg-" + std::to_string(j), "v2");
  del("r/users/al/reg-1");
  del("r/users/b/reg-0");
  put("r/users/c/reg-0", "v2");
  put("r/users/alice/", "owner-prefix-itself");
  ASSERT_TRUE(store.Flush().ok());
  // Layer 3: the memtable.
  put("r/users/alice/reg-10", "v3");
  del("r/users/alice/reg-3");
  del("r/users/c/reg-0");
  put("r/users/d/reg-0", "v3");
  put("a/t/0001/e", "v3");

  auto expected = [&](const std::string& prefix, const std::string& start_after, size_t limit) {
    std::vector<std::string> out;
    for (const auto& [key, value] : model) {
      if (!key.starts_with(prefix)) continue;
      if (!start_after.empty() && key <= start_after) continue;
      out.push_back(key + "=" + value);
      if (limit != 0 && out.size() >= limit) break;
    }
    return out;
  };
  const std::vector<std::string> prefixes = {"",
                                             "r",
                                             "r/",
                                             "r/users/",
                                             "r/users/al",
                                             "r/users/al/",
                                             "r/users/alice",
                                             "r/users/alice/",
                                             "r/users/alice0/",
                                             "r/users/alice!/",
                                             "r/users/zzz/",
                                             "r/groups/x/",
                                             "r/users/alice/reg-1",
                                             "r/users/c/",
                                             "r/users/d/",
                                             "a/",
                                             "m/",
                                             std::string("\xff", 1),
                                             "r/users/b/"};
  std::vector<std::string> starts = {
      "", "a", "r/users/b/zzz", "r/users/alice/\xff\xff", "zzz", "r/users/alice", "r/users/alice/"};
  for (const auto& [key, value] : model) starts.push_back(key);
  int checked = 0;
  for (const std::string& prefix : prefixes) {
    for (const std::string& start_after : starts) {
      for (size_t limit : {0, 1, 2, 5}) {
        absl::StatusOr<std::vector<KeyValue>> got = store.Scan(prefix, start_after, limit);
        ASSERT_TRUE(got.ok()) << got.status();
        std::vector<std::string> keys;
        for (const KeyValue& kv : *got) keys.push_back(kv.key + "=" + kv.value);
        ASSERT_EQ(keys, expected(prefix, start_after, limit))
            << "prefix '" << prefix << "' start_after '" << start_after << "' limit " << limit;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000);
  // Point reads of every key (whole-key bloom filters) and of absent ones.
  for (const auto& [key, value] : model) EXPECT_EQ(store.Get(key).value_or("?"), value) << key;
  EXPECT_EQ(store.Get("r/users/alice/reg-3").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.Get("r/users/nobody/reg-0").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace registry::storage::testing
