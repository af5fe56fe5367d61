// The KvStore conformance suite: the contract of storage/kv_store.h as tests. Every backend
// runs it from one test file:
//
//   #include "tests/storage/kv_store_conformance.h"
//   INSTANTIATE_TEST_SUITE_P(Memory, KvStoreConformanceTest,
//                            ::testing::Values(KvStoreFactory{"Memory", [] { return ...; }}),
//                            KvStoreFactoryName);
//
// The TEST_Ps are defined in this header, so include it from exactly one file per test binary.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/kv_store.h"

namespace registry::storage::testing {

// Makes a fresh, empty store per call. The store must clean up after itself (e.g. remove its
// temp dir) when destroyed.
struct KvStoreFactory {
  std::string name;  // Test-name suffix; [A-Za-z0-9_] only.
  std::function<KvStorePtr()> make;
};

inline std::string KvStoreFactoryName(const ::testing::TestParamInfo<KvStoreFactory>& info) {
  return info.param.name;
}

class KvStoreConformanceTest : public ::testing::TestWithParam<KvStoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }

  void Put(std::string key, std::string value) {
    WriteBatch batch;
    batch.Put(std::move(key), std::move(value));
    ASSERT_TRUE(store_->Write(batch).ok());
  }

  // Keys of Scan(prefix, start_after, limit); fails the test on error.
  std::vector<std::string> ScanKeys(std::string_view prefix, std::string_view start_after = "",
                                    size_t limit = 0) {
    absl::StatusOr<std::vector<KeyValue>> got = store_->Scan(prefix, start_after, limit);
    EXPECT_TRUE(got.ok()) << got.status();
    std::vector<std::string> keys;
    if (got.ok()) {
      for (const KeyValue& kv : *got) keys.push_back(kv.key);
    }
    return keys;
  }

  KvStorePtr store_;
};

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(KvStoreConformanceTest, GetMissingIsNotFound) {
  EXPECT_EQ(store_->Get("r/users/alice/nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(KvStoreConformanceTest, PutThenGet) {
  Put("k", "v");
  absl::StatusOr<std::string> got = store_->Get("k");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "v");
}

TEST_P(KvStoreConformanceTest, OverwriteReplacesValue) {
  Put("k", "v1");
  Put("k", "v2");
  EXPECT_EQ(store_->Get("k").value_or(""), "v2");
}

TEST_P(KvStoreConformanceTest, DeleteRemovesKey) {
  Put("k", "v");
  WriteBatch batch;
  batch.Delete("k");
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_EQ(store_->Get("k").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(KvStoreConformanceTest, DeleteMissingIsOk) {
  WriteBatch batch;
  batch.Delete("never-written");
  EXPECT_TRUE(store_->Write(batch).ok());
}

TEST_P(KvStoreConformanceTest, EmptyBatchIsOk) { EXPECT_TRUE(store_->Write(WriteBatch{}).ok()); }

TEST_P(KvStoreConformanceTest, BatchAppliesEveryMutationInOrder) {
  Put("gone", "old");
  WriteBatch batch;
  batch.Put("a", "1");
  batch.Put("b", "1");
  batch.Delete("gone");
  batch.Delete("a");    // Put then Delete: absent.
  batch.Put("b", "2");  // Put then Put: the later one wins.
  batch.Delete("c");    // Delete then Put: present.
  batch.Put("c", "3");
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_EQ(store_->Get("a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Get("b").value_or(""), "2");
  EXPECT_EQ(store_->Get("c").value_or(""), "3");
  EXPECT_EQ(store_->Get("gone").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(KvStoreConformanceTest, ManyInterleavedMutationsOfFewKeysEndAsTheLastOne) {
  // Large enough that a store reordering a batch (e.g. by key) must keep each key's order.
  WriteBatch batch;
  std::map<std::string, std::optional<std::string>> expected;
  for (int i = 0; i < 300; ++i) {
    const std::string key = "k" + std::to_string(i * 7 % 20);
    if (i % 3 == 0) {
      batch.Delete(key);
      expected[key] = std::nullopt;
    } else {
      batch.Put(key, std::to_string(i));
      expected[key] = std::to_string(i);
    }
  }
  ASSERT_TRUE(store_->Write(batch).ok());
  for (const auto& [key, value] : expected) {
    absl::StatusOr<std::string> stored = store_->Get(key);
    if (value.has_value()) {
      EXPECT_EQ(stored.value_or("<absent>"), *value) << key;
    } else {
      EXPECT_EQ(stored.status().code(), absl::StatusCode::kNotFound) << key;
    }
  }
}

TEST_P(KvStoreConformanceTest, ConcurrentReadersNeverSeeHalfABatch) {
  constexpr int kBatches = 50;
  std::thread writer([this] {
    for (int i = 0; i < kBatches; ++i) {
      WriteBatch batch;
      batch.Put("x/a", std::to_string(i));
      batch.Put("x/b", std::to_string(i));
      ASSERT_TRUE(store_->Write(batch).ok());
    }
  });
  int torn = 0;
  for (int i = 0; i < kBatches * 4; ++i) {
    absl::StatusOr<std::vector<KeyValue>> got = store_->Scan("x/", "", 0);
    ASSERT_TRUE(got.ok()) << got.status();
    if (got->size() == 1 || (got->size() == 2 && (*got)[0].value != (*got)[1].value)) ++torn;
  }
  writer.join();
  EXPECT_EQ(torn, 0);
}

TEST_P(KvStoreConformanceTest, ScanReturnsPrefixInByteOrder) {
  Put("r/b", "2");
  Put("r/a", "1");
  Put("r/c", "3");
  Put("q", "before");
  Put("s", "after");
  absl::StatusOr<std::vector<KeyValue>> got = store_->Scan("r/", "", 0);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].key, "r/a");
  EXPECT_EQ((*got)[0].value, "1");
  EXPECT_EQ((*got)[1].key, "r/b");
  EXPECT_EQ((*got)[1].value, "2");
  EXPECT_EQ((*got)[2].key, "r/c");
  EXPECT_EQ((*got)[2].value, "3");
}

TEST_P(KvStoreConformanceTest, ScanEmptyPrefixReturnsEverything) {
  Put("b", "");
  Put("a", "");
  EXPECT_THAT(ScanKeys(""), ElementsAre("a", "b"));
}

TEST_P(KvStoreConformanceTest, ScanOfEmptyRangeIsEmpty) {
  Put("a", "1");
  EXPECT_THAT(ScanKeys("z/"), IsEmpty());
}

TEST_P(KvStoreConformanceTest, ScanStartAfterIsExclusive) {
  for (const char* k : {"r/a", "r/b", "r/c", "r/d"}) Put(k, "v");
  EXPECT_THAT(ScanKeys("r/", "r/b"), ElementsAre("r/c", "r/d"));
  // start_after need not exist.
  EXPECT_THAT(ScanKeys("r/", "r/bb"), ElementsAre("r/c", "r/d"));
  // start_after before the prefix range starts at the prefix.
  EXPECT_THAT(ScanKeys("r/", "a"), ElementsAre("r/a", "r/b", "r/c", "r/d"));
  // start_after after the prefix range yields nothing.
  EXPECT_THAT(ScanKeys("r/", "s"), IsEmpty());
  EXPECT_THAT(ScanKeys("r/", "r/d"), IsEmpty());
}

TEST_P(KvStoreConformanceTest, ScanLimitAndPaging) {
  for (const char* k : {"r/a", "r/b", "r/c", "r/d", "r/e"}) Put(k, "v");
  EXPECT_THAT(ScanKeys("r/", "", 2), ElementsAre("r/a", "r/b"));
  EXPECT_THAT(ScanKeys("r/", "r/b", 2), ElementsAre("r/c", "r/d"));
  EXPECT_THAT(ScanKeys("r/", "r/d", 2), ElementsAre("r/e"));
  EXPECT_THAT(ScanKeys("r/", "", 100), ElementsAre("r/a", "r/b", "r/c", "r/d", "r/e"));
}

TEST_P(KvStoreConformanceTest, ScanLimitZeroMeansAll) {
  for (int i = 0; i < 50; ++i) Put("r/" + std::to_string(1000 + i), "v");
  EXPECT_EQ(ScanKeys("r/", "", 0).size(), 50u);
}

TEST_P(KvStoreConformanceTest, ScanPrefixDoesNotLeakIntoNeighbours) {
  Put("r/users/al/x", "1");
  Put("r/users/alice/y", "2");
  Put("r/users/alice", "3");
  Put("r/users/alice0/z", "4");
  Put("r/users/alicf/z", "5");
  EXPECT_THAT(ScanKeys("r/users/al/"), ElementsAre("r/users/al/x"));
  EXPECT_THAT(ScanKeys("r/users/alice/"), ElementsAre("r/users/alice/y"));
}

TEST_P(KvStoreConformanceTest, BinaryKeysAndValues) {
  const std::string key_nul("r/\0a", 4);
  const std::string key_ff("r/\xff\xff", 4);
  const std::string key_plain("r/a");
  const std::string value("\0\xff\x01\0", 4);
  Put(key_ff, value);
  Put(key_nul, value);
  Put(key_plain, value);
  absl::StatusOr<std::string> got = store_->Get(key_nul);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, value);
  EXPECT_EQ(store_->Get(key_ff).value_or(""), value);
  // Bytes compare unsigned: "\0" < "a" < "\xff".
  EXPECT_THAT(ScanKeys("r/"), ElementsAre(key_nul, key_plain, key_ff));
  EXPECT_THAT(ScanKeys("r/", key_nul), ElementsAre(key_plain, key_ff));
  EXPECT_THAT(ScanKeys(std::string("r/\xff", 3)), ElementsAre(key_ff));
  EXPECT_THAT(ScanKeys(std::string("r/\0", 3)), ElementsAre(key_nul));
}

TEST_P(KvStoreConformanceTest, EmptyValueIsStoredNotDeleted) {
  Put("k", "");
  absl::StatusOr<std::string> got = store_->Get("k");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "");
  EXPECT_THAT(ScanKeys(""), ElementsAre("k"));
}

TEST_P(KvStoreConformanceTest, ConcurrentWritersAreAllVisible) {
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<absl::Status> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &errors] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        WriteBatch batch;
        const std::string suffix = std::to_string(t) + "/" + std::to_string(100 + i);
        batch.Put("c/" + suffix, suffix);
        batch.Put("d/" + suffix, suffix);
        absl::Status s = store_->Write(batch);
        if (!s.ok()) errors[t] = s;
        // Readers run alongside the writers.
        if (!store_->Get("c/" + suffix).ok()) errors[t] = absl::InternalError("lost " + suffix);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& s : errors) EXPECT_TRUE(s.ok()) << s;

  absl::StatusOr<std::vector<KeyValue>> c = store_->Scan("c/", "", 0);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->size(), static_cast<size_t>(kThreads * kWritesPerThread));
  for (const KeyValue& kv : *c) EXPECT_EQ("c/" + kv.value, kv.key);
  EXPECT_EQ(ScanKeys("d/").size(), static_cast<size_t>(kThreads * kWritesPerThread));
}

}  // namespace registry::storage::testing
