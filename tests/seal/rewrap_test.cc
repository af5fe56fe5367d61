// Tests for Barrier::RewrapBatch and CountValuesByTerm: resuming, skipping current and barrier
// values, errors, a Write racing a rewrap batch, and rotation + rewrap under concurrent readers
// and writers that must lose nothing.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/seal/envelope.h"
#include "server/seal/sealed_barrier.h"
#include "storage/memory/memory_kv_store.h"
#include "tests/seal/barrier_test_util.h"

namespace registry::seal {
namespace {

using storage::KeyValue;
using storage::MemoryKvStore;
using storage::WriteBatch;
using test_util::Keys;
using test_util::SharedStore;
using ::testing::HasSubstr;

using TermCounts = std::map<uint32_t, uint64_t>;

class RewrapTest : public ::testing::Test {
 protected:
  BarrierPtr MustOpen() {
    absl::StatusOr<BarrierPtr> barrier =
        OpenSealedBarrier(std::make_unique<SharedStore>(raw_, after_scan_), Keys({key_}));
    EXPECT_TRUE(barrier.ok()) << barrier.status();
    return barrier.ok() ? std::move(*barrier) : nullptr;
  }

  static void Put(Barrier& barrier, std::string key, std::string value) {
    WriteBatch batch;
    batch.Put(std::move(key), std::move(value));
    ASSERT_TRUE(barrier.Write(batch).ok());
  }

  uint32_t RawTerm(std::string_view key) {
    absl::StatusOr<std::string> raw = raw_->Get(key);
    EXPECT_TRUE(raw.ok()) << raw.status();
    return raw.ok() ? PeekTerm(*raw).value_or(0) : 0;
  }

  // Runs RewrapBatch from the beginning until done; sums the progress.
  static RewrapProgress RewrapAll(Barrier& barrier, size_t batch_size) {
    RewrapProgress total;
    std::string cursor;
    for (int calls = 0; calls < 1'000'000; ++calls) {
      absl::StatusOr<RewrapProgress> step = barrier.RewrapBatch(cursor, batch_size);
      EXPECT_TRUE(step.ok()) << step.status();
      if (!step.ok()) break;
      total.scanned += step->scanned;
      total.rewrapped += step->rewrapped;
      EXPECT_EQ(step->done, step->next_start_after.empty());
      if (step->done) {
        total.done = true;
        break;
      }
      EXPECT_GT(step->next_start_after, cursor);  // Always moves forward.
      cursor = step->next_start_after;
    }
    return total;
  }

  std::shared_ptr<MemoryKvStore> raw_ = std::make_shared<MemoryKvStore>();
  std::shared_ptr<SharedStore::ScanHook> after_scan_ = std::make_shared<SharedStore::ScanHook>();
  const std::string key_ = GenerateMasterKeyLine();
};

TEST_F(RewrapTest, RewrapsOldTermsInResumableBatches) {
  BarrierPtr barrier = MustOpen();
  ASSERT_NE(barrier, nullptr);
  for (int i = 0; i < 10; ++i) Put(*barrier, absl::StrCat("r/k", i), absl::StrCat("v", i));  // t1
  Put(*barrier, "m/schema", "1");  // Service metadata is rewrapped like any value.
  ASSERT_TRUE(barrier->RotateDataKey().ok());
  for (int i = 10; i < 15; ++i) Put(*barrier, absl::StrCat("r/k", i), absl::StrCat("v", i));  // t2
  ASSERT_EQ(barrier->RotateDataKey().value_or(0), 3u);
  Put(*barrier, "r/zcurrent", "already current");  // t3
  EXPECT_EQ(barrier->CountValuesByTerm().value_or(TermCounts{}),
            (TermCounts{{1, 11}, {2, 5}, {3, 1}}));
  const std::string keyring = raw_->Get(kKeyringKey).value();
  const std::string check = raw_->Get(kCheckKey).value();
  const std::string current = raw_->Get("r/zcurrent").value();

  // Key order: m/schema, r/k0, r/k1, r/k10, r/k11, ...
  absl::StatusOr<RewrapProgress> first = barrier->RewrapBatch("", 3);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->scanned, 3u);
  EXPECT_EQ(first->rewrapped, 3u);
  EXPECT_FALSE(first->done);
  EXPECT_EQ(first->next_start_after, "r/k1");
  EXPECT_EQ(RawTerm("m/schema"), 3u);
  EXPECT_EQ(RawTerm("r/k1"), 3u);
  EXPECT_EQ(RawTerm("r/k10"), 2u);  // Not reached yet.

  // Resume exactly where the first batch stopped.
  absl::StatusOr<RewrapProgress> second = barrier->RewrapBatch(first->next_start_after, 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->scanned, 2u);
  EXPECT_EQ(second->next_start_after, "r/k11");
  EXPECT_EQ(RawTerm("r/k10"), 3u);
  EXPECT_EQ(RawTerm("r/k11"), 3u);
  EXPECT_EQ(RawTerm("r/k12"), 2u);

  RewrapProgress rest = RewrapAll(*barrier, 4);
  EXPECT_TRUE(rest.done);
  EXPECT_EQ(rest.scanned, 17u);    // Every visible value; m/barrier/ never counted.
  EXPECT_EQ(rest.rewrapped, 11u);  // 16 stale minus the 5 already done; r/zcurrent skipped.
  EXPECT_EQ(barrier->CountValuesByTerm().value_or(TermCounts{}), (TermCounts{{3, 17}}));
  EXPECT_EQ(raw_->Get("r/zcurrent").value(), current);  // Current values are not touched.
  EXPECT_EQ(raw_->Get(kKeyringKey).value(), keyring);   // Barrier keys are not touched.
  EXPECT_EQ(raw_->Get(kCheckKey).value(), check);
  for (int i = 0; i < 15; ++i) {
    EXPECT_EQ(barrier->Get(absl::StrCat("r/k", i)).value_or(""), absl::StrCat("v", i));
  }
  EXPECT_EQ(barrier->Get("m/schema").value_or(""), "1");

  // Idempotent: a second full pass changes nothing.
  std::vector<KeyValue> before = raw_->Scan("", "", 0).value();
  RewrapProgress again = RewrapAll(*barrier, 5);
  EXPECT_EQ(again.scanned, 17u);
  EXPECT_EQ(again.rewrapped, 0u);
  std::vector<KeyValue> after = raw_->Scan("", "", 0).value();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].value, before[i].value);

  // Survives a restart: the new term's values open after reopen.
  barrier.reset();
  barrier = MustOpen();
  ASSERT_NE(barrier, nullptr);
  EXPECT_EQ(barrier->Get("r/k0").value_or(""), "v0");
}

TEST_F(RewrapTest, ExactBatchBoundaryAndEmptyStore) {
  BarrierPtr barrier = MustOpen();
  ASSERT_NE(barrier, nullptr);
  absl::StatusOr<RewrapProgress> empty = barrier->RewrapBatch("", 10);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->done);
  EXPECT_EQ(empty->scanned, 0u);
  EXPECT_TRUE(empty->next_start_after.empty());
  EXPECT_EQ(barrier->CountValuesByTerm().value_or(TermCounts{{9, 9}}), TermCounts{});

  Put(*barrier, "r/a", "1");
  Put(*barrier, "r/b", "2");
  ASSERT_TRUE(barrier->RotateDataKey().ok());
  absl::StatusOr<RewrapProgress> full = barrier->RewrapBatch("", 2);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->rewrapped, 2u);
  EXPECT_FALSE(full->done);  // A full page cannot know it was the last one.
  absl::StatusOr<RewrapProgress> tail = barrier->RewrapBatch(full->next_start_after, 2);
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_TRUE(tail->done);
  EXPECT_EQ(tail->scanned, 0u);
}

TEST_F(RewrapTest, ErrorsAreReportedNotSkipped) {
  BarrierPtr barrier = MustOpen();
  ASSERT_NE(barrier, nullptr);
  EXPECT_EQ(barrier->RewrapBatch("", 0).status().code(), absl::StatusCode::kInvalidArgument);

  Put(*barrier, "r/a", "secret-a");
  WriteBatch plant;
  plant.Put("r/b", "corrupt");
  ASSERT_TRUE(raw_->Write(plant).ok());
  Put(*barrier, "r/c", "secret-c");
  ASSERT_TRUE(barrier->RotateDataKey().ok());

  absl::StatusOr<RewrapProgress> failed = barrier->RewrapBatch("", 10);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(failed.status().message(), HasSubstr("r/b"));
  EXPECT_THAT(failed.status().message(), ::testing::Not(HasSubstr("secret")));
  EXPECT_EQ(RawTerm("r/a"), 1u);  // The failed batch applied nothing.
  EXPECT_EQ(barrier->CountValuesByTerm().status().code(), absl::StatusCode::kDataLoss);

  absl::StatusOr<RewrapProgress> resumed = barrier->RewrapBatch("r/b", 10);  // Step over it.
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->rewrapped, 1u);
  EXPECT_EQ(RawTerm("r/c"), 2u);
}

// A Write (and a Delete) landing between the rewrap's read and its store write wins.
TEST_F(RewrapTest, ConcurrentWriteIsNeverOverwrittenByAStaleRewrap) {
  BarrierPtr barrier = MustOpen();
  ASSERT_NE(barrier, nullptr);
  Put(*barrier, "r/deleted", "old");
  Put(*barrier, "r/overwritten", "old");
  Put(*barrier, "r/untouched", "old");
  ASSERT_TRUE(barrier->RotateDataKey().ok());

  bool fired = false;
  *after_scan_ = [&] {
    if (fired) return;
    fired = true;
    WriteBatch racing;  // Runs inside the rewrap's scan, i.e. after it read the old values.
    racing.Put("r/overwritten", "new");
    racing.Delete("r/deleted");
    ASSERT_TRUE(barrier->Write(racing).ok());
  };
  absl::StatusOr<RewrapProgress> progress = barrier->RewrapBatch("", 10);
  *after_scan_ = nullptr;
  ASSERT_TRUE(fired);
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(progress->scanned, 3u);
  EXPECT_EQ(progress->rewrapped, 1u);  // Only r/untouched.
  EXPECT_EQ(barrier->Get("r/overwritten").value_or(""), "new");
  EXPECT_EQ(barrier->Get("r/deleted").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(barrier->Get("r/untouched").value_or(""), "old");
  EXPECT_EQ(barrier->CountValuesByTerm().value_or(TermCounts{}), (TermCounts{{2, 2}}));
}

// Writers overwrite and delete their own keys and remember the last acknowledged state; readers
// Get and Scan; the main thread rotates and rewraps in small batches. Nothing may be lost.
TEST_F(RewrapTest, RotationAndRewrapUnderConcurrentLoadLoseNothing) {
  BarrierPtr barrier = MustOpen();
  ASSERT_NE(barrier, nullptr);
  constexpr int kWriters = 3;
  constexpr int kReaders = 2;
  constexpr int kKeysPerWriter = 40;
  constexpr int kRotations = 3;
  auto key_of = [](int writer, int k) { return absl::StrCat("r/w", writer, "/k", k); };

  // Last acknowledged value per key; nullopt = deleted. Each writer owns its keys, so the
  // acknowledged state of a key is well defined.
  std::vector<std::map<std::string, std::optional<std::string>>> expected(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    WriteBatch batch;
    for (int k = 0; k < kKeysPerWriter; ++k) {
      batch.Put(key_of(w, k), absl::StrCat(key_of(w, k), "=initial"));
      expected[w][key_of(w, k)] = absl::StrCat(key_of(w, k), "=initial");
    }
    ASSERT_TRUE(barrier->Write(batch).ok());
  }

  std::atomic<bool> stop{false};
  absl::Mutex errors_mu;
  std::vector<std::string> errors;
  auto fail = [&](std::string e) {
    absl::MutexLock lock(&errors_mu);
    if (errors.size() < 20) errors.push_back(std::move(e));
  };
  std::atomic<uint64_t> writes{0};
  std::atomic<uint64_t> reads{0};

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(1234 + w);
      for (uint64_t seq = 0; !stop.load() || seq < 200; ++seq) {
        const int k = static_cast<int>(rng() % kKeysPerWriter);
        const int k2 = static_cast<int>(rng() % kKeysPerWriter);
        WriteBatch batch;
        std::optional<std::string> value;
        if (seq % 11 == 10) {
          batch.Delete(key_of(w, k));
        } else {
          value = absl::StrCat(key_of(w, k), "=", seq);
          batch.Put(key_of(w, k), *value);
        }
        std::optional<std::string> value2;
        if (k2 != k && seq % 3 == 0) {  // Some multi-key batches.
          value2 = absl::StrCat(key_of(w, k2), "=", seq, "b");
          batch.Put(key_of(w, k2), *value2);
        }
        if (absl::Status s = barrier->Write(batch); !s.ok()) {
          fail(absl::StrCat("write: ", s.ToString()));
          continue;  // Not acknowledged: expectations unchanged.
        }
        expected[w][key_of(w, k)] = value;
        if (value2) expected[w][key_of(w, k2)] = value2;
        writes.fetch_add(1);
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(99 + r);
      for (uint64_t i = 0; !stop.load() || i < 100; ++i) {
        if (i % 10 == 0) {
          absl::StatusOr<std::vector<KeyValue>> all = barrier->Scan("r/", "", 0);
          if (!all.ok()) {
            fail(absl::StrCat("scan: ", all.status().ToString()));
            continue;
          }
          for (const KeyValue& kv : *all) {
            if (!kv.value.starts_with(kv.key + "=")) fail("scan: wrong value at " + kv.key);
          }
        } else {
          const std::string key =
              key_of(static_cast<int>(rng() % kWriters), static_cast<int>(rng() % kKeysPerWriter));
          absl::StatusOr<std::string> got = barrier->Get(key);
          if (got.ok()) {
            if (!got->starts_with(key + "=")) fail("get: wrong value at " + key);
          } else if (!absl::IsNotFound(got.status())) {
            fail(absl::StrCat("get: ", got.status().ToString()));
          }
        }
        reads.fetch_add(1);
      }
    });
  }

  uint64_t rewrapped = 0;
  for (int round = 0; round < kRotations; ++round) {
    absl::StatusOr<uint32_t> term = barrier->RotateDataKey();
    ASSERT_TRUE(term.ok()) << term.status();
    RewrapProgress pass = RewrapAll(*barrier, 7);
    EXPECT_TRUE(pass.done);
    rewrapped += pass.rewrapped;
  }
  stop.store(true);
  for (std::thread& t : threads) t.join();
  {
    absl::MutexLock lock(&errors_mu);
    EXPECT_THAT(errors, ::testing::IsEmpty());
  }
  EXPECT_GT(rewrapped, 0u);
  std::printf("[ load     ] %llu writes, %llu reads, %llu values rewrapped online\n",
              static_cast<unsigned long long>(writes.load()),
              static_cast<unsigned long long>(reads.load()),
              static_cast<unsigned long long>(rewrapped));

  // Writers stopped: a final pass leaves only the newest term.
  RewrapProgress final_pass = RewrapAll(*barrier, 7);
  EXPECT_TRUE(final_pass.done);
  const uint32_t newest = barrier->CurrentTerm();
  EXPECT_EQ(newest, 1u + kRotations);

  auto verify = [&](Barrier& b) {
    uint64_t live = 0;
    for (int w = 0; w < kWriters; ++w) {
      for (const auto& [key, value] : expected[w]) {
        absl::StatusOr<std::string> got = b.Get(key);
        if (value.has_value()) {
          ++live;
          EXPECT_TRUE(got.ok()) << key << ": " << got.status();
          EXPECT_EQ(got.value_or("<missing>"), *value) << key;
        } else {
          EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound) << key;
        }
      }
    }
    absl::StatusOr<std::vector<KeyValue>> all = b.Scan("", "", 0);  // Every value opens.
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->size(), live);
    EXPECT_EQ(b.CountValuesByTerm().value_or(TermCounts{}), (TermCounts{{newest, live}}));
  };
  verify(*barrier);
  barrier.reset();
  barrier = MustOpen();  // And after a restart.
  ASSERT_NE(barrier, nullptr);
  verify(*barrier);
}

}  // namespace
}  // namespace registry::seal
