// Tests for OpenSealedBarrier over a MemoryKvStore: sealing, master keys, rotation, reserved
// keys and concurrency. The raw store outlives each barrier so reopen and raw reads work.
#include "server/seal/sealed_barrier.h"

#include <sodium.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/seal/envelope.h"
#include "storage/memory/memory_kv_store.h"
#include "tests/seal/barrier_test_util.h"

namespace registry::seal {
namespace {

using storage::KeyValue;
using storage::KvStore;
using storage::KvStorePtr;
using storage::MemoryKvStore;
using storage::WriteBatch;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using test_util::Keys;
using test_util::SharedStore;

class SealedBarrierTest : public ::testing::Test {
 protected:
  absl::StatusOr<BarrierPtr> Open(const std::vector<std::string>& key_lines) {
    return OpenSealedBarrier(std::make_unique<SharedStore>(raw_), Keys(key_lines));
  }

  BarrierPtr MustOpen(const std::vector<std::string>& key_lines) {
    absl::StatusOr<BarrierPtr> barrier = Open(key_lines);
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

  std::shared_ptr<MemoryKvStore> raw_ = std::make_shared<MemoryKvStore>();
  const std::string key_a_ = GenerateMasterKeyLine();
  const std::string key_b_ = GenerateMasterKeyLine();
};

TEST_F(SealedBarrierTest, InitializesEmptyStore) {
  BarrierPtr barrier = MustOpen({key_a_});
  ASSERT_NE(barrier, nullptr);
  EXPECT_EQ(barrier->CurrentTerm(), 1u);
  EXPECT_TRUE(raw_->Get(kKeyringKey).ok());
  EXPECT_TRUE(raw_->Get(kCheckKey).ok());
  EXPECT_EQ(RawTerm(kKeyringKey), 0u);  // Sealed under the master key.
  EXPECT_EQ(RawTerm(kCheckKey), 0u);
}

TEST_F(SealedBarrierTest, RoundTripAndRawBytesNeverHoldPlaintext) {
  BarrierPtr barrier = MustOpen({key_a_});
  const std::string secret = "ghp_VerySecretTokenValue1234567890";
  WriteBatch batch;
  batch.Put("r/users/alice/one", secret);
  batch.Put("r/users/alice/two", "");
  batch.Put("r/users/bob/one", "bob's");
  ASSERT_TRUE(barrier->Write(batch).ok());

  EXPECT_EQ(barrier->Get("r/users/alice/one").value_or(""), secret);
  EXPECT_EQ(barrier->Get("r/users/alice/two").value_or("x"), "");
  EXPECT_EQ(barrier->Get("r/users/alice/none").status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<std::vector<KeyValue>> all = raw_->Scan("", "", 0);
  ASSERT_TRUE(all.ok());
  for (const KeyValue& kv : *all) {
    EXPECT_THAT(kv.value, Not(HasSubstr(secret)));
    EXPECT_THAT(kv.value, Not(HasSubstr("bob's")));
  }
  EXPECT_EQ(RawTerm("r/users/alice/one"), 1u);

  absl::StatusOr<std::vector<KeyValue>> alice = barrier->Scan("r/users/alice/", "", 0);
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_EQ(alice->size(), 2u);
  EXPECT_EQ((*alice)[0].key, "r/users/alice/one");
  EXPECT_EQ((*alice)[0].value, secret);
  EXPECT_THAT(barrier->ScanKeys("r/", "r/users/alice/one", 0).value_or(std::vector<std::string>{}),
              ElementsAre("r/users/alice/two", "r/users/bob/one"));

  WriteBatch del;
  del.Delete("r/users/alice/one");
  ASSERT_TRUE(barrier->Write(del).ok());
  EXPECT_EQ(barrier->Get("r/users/alice/one").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SealedBarrierTest, WriteAsyncSealsAndReportsOnceDurable) {
  BarrierPtr barrier = MustOpen({key_a_});
  const std::string secret = "ghp_AsyncSecretTokenValue1234567890";
  std::vector<absl::Status> outcomes(20);
  absl::BlockingCounter pending(20);
  for (int i = 0; i < 20; ++i) {
    WriteBatch batch;
    batch.Put("a/e/users/alice/" + std::to_string(i), secret);
    barrier->WriteAsync(std::move(batch), [&, i](absl::Status status) {
      outcomes[i] = status;
      pending.DecrementCount();
    });
  }
  pending.Wait();
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(outcomes[i].ok()) << outcomes[i];
    EXPECT_EQ(barrier->Get("a/e/users/alice/" + std::to_string(i)).value_or(""), secret);
    EXPECT_THAT(raw_->Get("a/e/users/alice/" + std::to_string(i)).value_or(secret),
                Not(HasSubstr(secret)));
  }

  // A reserved key fails at once; nothing of its batch is written.
  WriteBatch reserved;
  reserved.Put("r/users/alice/ok", "x");
  reserved.Put(std::string(kKeyringKey), "x");
  absl::Status refused;
  barrier->WriteAsync(std::move(reserved), [&](absl::Status status) { refused = status; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(barrier->Get("r/users/alice/ok").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SealedBarrierTest, WriteSharesTheCommitterWithWriteAsync) {
  // Every data write, blocking or not, reaches the store on the one committer thread, so
  // concurrent writers share its merged, synced writes instead of each writing on its own.
  auto hook = std::make_shared<SharedStore::WriteHook>();
  absl::StatusOr<BarrierPtr> opened =
      OpenSealedBarrier(std::make_unique<SharedStore>(raw_, nullptr, hook), Keys({key_a_}));
  ASSERT_TRUE(opened.ok()) << opened.status();
  Barrier& barrier = **opened;

  absl::Mutex mu;
  std::vector<std::thread::id> store_writers;
  *hook = [&] {
    absl::MutexLock lock(&mu);
    store_writers.push_back(std::this_thread::get_id());
  };
  std::vector<std::thread> callers;
  std::vector<std::thread::id> caller_ids(4);
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&, i] {
      caller_ids[i] = std::this_thread::get_id();
      for (int n = 0; n < 10; ++n) {
        Put(barrier, absl::StrCat("r/users/alice/", i, "-", n), "v");
      }
    });
  }
  Put(barrier, "r/users/alice/main", "v");
  absl::Notification async_done;
  WriteBatch batch;
  batch.Put("a/e/users/alice/async", "v");
  barrier.WriteAsync(std::move(batch), [&](absl::Status status) {
    EXPECT_TRUE(status.ok()) << status;
    async_done.Notify();
  });
  for (std::thread& caller : callers) caller.join();
  async_done.WaitForNotification();
  EXPECT_EQ(barrier.Get("r/users/alice/3-9").value_or(""), "v");

  absl::MutexLock lock(&mu);
  ASSERT_FALSE(store_writers.empty());
  const std::thread::id committer = store_writers.front();
  EXPECT_NE(committer, std::this_thread::get_id());
  EXPECT_THAT(caller_ids, Not(::testing::Contains(committer)));
  EXPECT_THAT(store_writers, ::testing::Each(committer));
  // 42 batches; concurrent ones may share a store write, never the other way round.
  EXPECT_LE(store_writers.size(), 42u);
  *hook = nullptr;
}

TEST_F(SealedBarrierTest, ValueMovedToAnotherKeyIsDataLoss) {
  BarrierPtr barrier = MustOpen({key_a_});
  Put(*barrier, "r/users/alice/one", "alice-secret");
  WriteBatch copy;
  copy.Put("r/users/mallory/one", raw_->Get("r/users/alice/one").value());
  ASSERT_TRUE(raw_->Write(copy).ok());
  absl::StatusOr<std::string> got = barrier->Get("r/users/mallory/one");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(got.status().message(), HasSubstr("r/users/mallory/one"));
  EXPECT_THAT(got.status().message(), Not(HasSubstr("alice-secret")));

  absl::StatusOr<std::vector<KeyValue>> scanned = barrier->Scan("r/", "", 0);
  EXPECT_EQ(scanned.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(scanned.status().message(), HasSubstr("r/users/mallory/one"));
  // Keys-only listing opens nothing and still works.
  EXPECT_EQ(barrier->ScanKeys("r/", "", 0).value_or(std::vector<std::string>{}).size(), 2u);
}

TEST_F(SealedBarrierTest, GarbageAndUnknownTermAreDataLoss) {
  BarrierPtr barrier = MustOpen({key_a_});
  WriteBatch raw;
  raw.Put("r/garbage", "not a sealed value");
  raw.Put("r/future", SealValue(SecureBytes::Random(32), 9, "r/future", "x"));
  ASSERT_TRUE(raw_->Write(raw).ok());
  EXPECT_EQ(barrier->Get("r/garbage").status().code(), absl::StatusCode::kDataLoss);
  absl::StatusOr<std::string> future = barrier->Get("r/future");
  EXPECT_EQ(future.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(future.status().message(), HasSubstr("sealed with unknown key term 9"));
}

TEST_F(SealedBarrierTest, ReopenWithSameKeyWorks) {
  {
    BarrierPtr barrier = MustOpen({key_a_});
    Put(*barrier, "r/k", "v");
  }
  BarrierPtr barrier = MustOpen({key_a_});
  ASSERT_NE(barrier, nullptr);
  EXPECT_EQ(barrier->Get("r/k").value_or(""), "v");
}

TEST_F(SealedBarrierTest, WrongMasterKeyIsRefused) {
  { MustOpen({key_a_}); }
  absl::StatusOr<BarrierPtr> barrier = Open({key_b_});
  EXPECT_EQ(barrier.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(barrier.status().message(),
            "master key does not open the data dir (check value mismatch): wrong "
            "--master-key-file?");
  // Refusing changed nothing: the right key still opens it.
  EXPECT_NE(MustOpen({key_a_}), nullptr);
}

TEST_F(SealedBarrierTest, MasterKeyChange) {
  {
    BarrierPtr barrier = MustOpen({key_a_});
    Put(*barrier, "r/k", "v");
  }
  const std::string keyring_before = raw_->Get(kKeyringKey).value();
  const std::string value_before = raw_->Get("r/k").value();
  {
    // New key first, old key second: opens via the old line and re-seals under the new one.
    BarrierPtr barrier = MustOpen({key_b_, key_a_});
    ASSERT_NE(barrier, nullptr);
    EXPECT_EQ(barrier->Get("r/k").value_or(""), "v");
  }
  EXPECT_NE(raw_->Get(kKeyringKey).value(), keyring_before);
  EXPECT_EQ(raw_->Get("r/k").value(), value_before);  // Only the keyring is re-sealed.
  // Now the new key alone opens it, and the old one alone no longer does.
  BarrierPtr barrier = MustOpen({key_b_});
  ASSERT_NE(barrier, nullptr);
  EXPECT_EQ(barrier->Get("r/k").value_or(""), "v");
  barrier.reset();
  EXPECT_EQ(Open({key_a_}).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SealedBarrierTest, RotationKeepsOldValuesAndSurvivesReopen) {
  {
    BarrierPtr barrier = MustOpen({key_a_});
    Put(*barrier, "r/old", "before");
    absl::StatusOr<uint32_t> term = barrier->RotateDataKey();
    ASSERT_TRUE(term.ok()) << term.status();
    EXPECT_EQ(*term, 2u);
    EXPECT_EQ(barrier->CurrentTerm(), 2u);
    Put(*barrier, "r/new", "after");
    EXPECT_EQ(RawTerm("r/old"), 1u);
    EXPECT_EQ(RawTerm("r/new"), 2u);
    EXPECT_EQ(barrier->Get("r/old").value_or(""), "before");
    EXPECT_EQ(barrier->Get("r/new").value_or(""), "after");
  }
  BarrierPtr barrier = MustOpen({key_a_});
  ASSERT_NE(barrier, nullptr);
  EXPECT_EQ(barrier->CurrentTerm(), 2u);
  EXPECT_EQ(barrier->Get("r/old").value_or(""), "before");
  EXPECT_EQ(barrier->Get("r/new").value_or(""), "after");
  EXPECT_EQ(barrier->RotateDataKey().value_or(0), 3u);
  Put(*barrier, "r/newer", "x");
  EXPECT_EQ(RawTerm("r/newer"), 3u);
}

TEST_F(SealedBarrierTest, ReservedKeysAreRefusedAndHidden) {
  BarrierPtr barrier = MustOpen({key_a_});
  Put(*barrier, "a/1", "x");
  Put(*barrier, "m/schema", "1");
  Put(*barrier, "z/1", "y");

  WriteBatch put;
  put.Put("r/fine", "x");
  put.Put(std::string(kKeyringKey), "evil");
  EXPECT_EQ(barrier->Write(put).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(barrier->Get("r/fine").status().code(), absl::StatusCode::kNotFound);  // All or none.
  WriteBatch del;
  del.Delete(std::string(kCheckKey));
  EXPECT_EQ(barrier->Write(del).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(raw_->Get(kCheckKey).ok());
  EXPECT_EQ(barrier->Get(kKeyringKey).status().code(), absl::StatusCode::kInvalidArgument);

  using Keys = std::vector<std::string>;
  EXPECT_THAT(barrier->ScanKeys("", "", 0).value_or(Keys{}), ElementsAre("a/1", "m/schema", "z/1"));
  EXPECT_THAT(barrier->ScanKeys("m/", "", 0).value_or(Keys{}), ElementsAre("m/schema"));
  EXPECT_THAT(barrier->ScanKeys("m/barrier/", "", 0).value_or(Keys{}), ElementsAre());
  // Limits still count visible keys only, across the hidden range.
  EXPECT_THAT(barrier->ScanKeys("", "a/1", 1).value_or(Keys{}), ElementsAre("m/schema"));
  EXPECT_THAT(barrier->ScanKeys("", "", 2).value_or(Keys{}), ElementsAre("a/1", "m/schema"));
  absl::StatusOr<std::vector<KeyValue>> all = barrier->Scan("", "a/1", 2);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].value, "1");
  EXPECT_EQ((*all)[1].key, "z/1");
}

TEST_F(SealedBarrierTest, RefusesStoreWithDataButNoKeyring) {
  WriteBatch batch;
  batch.Put("r/users/alice/x", "sealed-by-someone");
  ASSERT_TRUE(raw_->Write(batch).ok());
  EXPECT_EQ(Open({key_a_}).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SealedBarrierTest, RefusesMissingKeyringNextToCheck) {
  { MustOpen({key_a_}); }
  WriteBatch del;
  del.Delete(std::string(kKeyringKey));
  ASSERT_TRUE(raw_->Write(del).ok());
  EXPECT_EQ(Open({key_a_}).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SealedBarrierTest, RejectsBadArguments) {
  EXPECT_EQ(OpenSealedBarrier(nullptr, Keys({key_a_})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSealedBarrier(std::make_unique<SharedStore>(raw_), MasterKeys{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SealedBarrierTest, ConcurrentGetWriteRotate) {
  BarrierPtr barrier = MustOpen({key_a_});
  ASSERT_NE(barrier, nullptr);
  constexpr int kWriters = 4;
  constexpr int kWrites = 50;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kWriters + 1);
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const std::string key = "r/" + std::to_string(t) + "/" + std::to_string(i);
        WriteBatch batch;
        batch.Put(key, key);
        if (absl::Status s = barrier->Write(batch); !s.ok()) errors[t] = s.ToString();
        absl::StatusOr<std::string> got = barrier->Get(key);
        if (!got.ok() || *got != key) errors[t] = "read back failed: " + key;
        if (!barrier->Scan("r/" + std::to_string(t) + "/", "", 0).ok()) errors[t] = "scan failed";
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 5; ++i) {
      if (!barrier->RotateDataKey().ok()) errors[kWriters] = "rotate failed";
    }
  });
  for (std::thread& thread : threads) thread.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(barrier->CurrentTerm(), 6u);

  absl::StatusOr<std::vector<KeyValue>> all = barrier->Scan("r/", "", 0);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), static_cast<size_t>(kWriters * kWrites));
  for (const KeyValue& kv : *all) EXPECT_EQ(kv.key, kv.value);

  barrier.reset();
  barrier = MustOpen({key_a_});
  ASSERT_NE(barrier, nullptr);
  all = barrier->Scan("r/", "", 0);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), static_cast<size_t>(kWriters * kWrites));
}

// Writes `contents` to a master key file in a fresh temp dir and returns its path.
std::string WriteKeyFile(const std::string& dir, const std::string& name,
                         const std::vector<std::string>& lines) {
  const std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::trunc);
  for (const std::string& line : lines) out << line << "\n";
  return path;
}

std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "/seal_test_XXXXXX";
  const char* dir = ::mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return pattern;
}

TEST_F(SealedBarrierTest, MasterKeyChangeThroughKeyFiles) {
  const std::string dir = MakeTempDir();
  auto open_file = [&](const std::vector<std::string>& lines) -> absl::StatusOr<BarrierPtr> {
    absl::StatusOr<MasterKeys> keys = LoadMasterKeyFile(WriteKeyFile(dir, "master.key", lines));
    if (!keys.ok()) return keys.status();
    return OpenSealedBarrier(std::make_unique<SharedStore>(raw_), std::move(*keys));
  };
  {
    absl::StatusOr<BarrierPtr> barrier = open_file({key_a_});  // Start with key A.
    ASSERT_TRUE(barrier.ok()) << barrier.status();
    Put(**barrier, "r/old", "sealed-in-term-1");
    ASSERT_TRUE((*barrier)->RotateDataKey().ok());
    Put(**barrier, "r/new", "sealed-in-term-2");
  }
  {
    absl::StatusOr<BarrierPtr> barrier = open_file({key_b_, key_a_});  // File "B\nA".
    ASSERT_TRUE(barrier.ok()) << barrier.status();
    EXPECT_EQ((*barrier)->Get("r/old").value_or(""), "sealed-in-term-1");
    EXPECT_EQ((*barrier)->Get("r/new").value_or(""), "sealed-in-term-2");
    EXPECT_EQ((*barrier)->CurrentTerm(), 2u);
  }
  {
    absl::StatusOr<BarrierPtr> barrier = open_file({key_b_});  // File "B" alone.
    ASSERT_TRUE(barrier.ok()) << barrier.status();
    EXPECT_EQ((*barrier)->Get("r/old").value_or(""), "sealed-in-term-1");
    EXPECT_EQ((*barrier)->Get("r/new").value_or(""), "sealed-in-term-2");
  }
  absl::StatusOr<BarrierPtr> refused = open_file({key_a_});  // File "A" alone.
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("check value mismatch"));
}

TEST_F(SealedBarrierTest, RefusesToStartWhenATermInUseHasNoKey) {
  {
    BarrierPtr barrier = MustOpen({key_a_});
    Put(*barrier, "r/a", "one");
    ASSERT_TRUE(barrier->RotateDataKey().ok());
    Put(*barrier, "r/b", "two");
  }
  WriteBatch plant;
  plant.Put("r/zz", SealValue(SecureBytes::Random(32), 7, "r/zz", "from another keyring"));
  plant.Put("r/garbage", "not a sealed value");  // Unframed: DATA_LOSS on read, not a refusal.
  ASSERT_TRUE(raw_->Write(plant).ok());
  const std::string keyring_before = raw_->Get(kKeyringKey).value();

  absl::StatusOr<BarrierPtr> refused = Open({key_a_});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "value r/zz is sealed with key term 7, which the keyring does not hold; refusing to "
            "start");
  // A refused master key change writes nothing: the keyring stays sealed under A.
  refused = Open({key_b_, key_a_});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(raw_->Get(kKeyringKey).value(), keyring_before);

  WriteBatch remove;
  remove.Delete("r/zz");
  ASSERT_TRUE(raw_->Write(remove).ok());
  BarrierPtr barrier = MustOpen({key_a_});
  ASSERT_NE(barrier, nullptr);
  EXPECT_EQ(barrier->Get("r/a").value_or(""), "one");
  EXPECT_EQ(barrier->Get("r/garbage").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SealedBarrierTest, RefusesATermAboveTheKeyringAfterKeyringRollback) {
  std::string keyring_term1;
  {
    BarrierPtr barrier = MustOpen({key_a_});
    keyring_term1 = raw_->Get(kKeyringKey).value();
    ASSERT_TRUE(barrier->RotateDataKey().ok());
    Put(*barrier, "r/new", "under term 2");
  }
  WriteBatch rollback;  // e.g. the keyring restored from an older backup than the data.
  rollback.Put(std::string(kKeyringKey), keyring_term1);
  ASSERT_TRUE(raw_->Write(rollback).ok());
  absl::StatusOr<BarrierPtr> refused = Open({key_a_});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "value r/new is sealed with key term 2, which the keyring does not hold; refusing to "
            "start");
}

// Not a benchmark gate: prints what the startup term check costs so regressions are visible.
TEST_F(SealedBarrierTest, StartupTermCheckTimingWith100kValues) {
  constexpr int kValues = 100'000;
  {
    BarrierPtr barrier = MustOpen({key_a_});
    ASSERT_NE(barrier, nullptr);
    const std::string value(200, 'v');
    for (int i = 0; i < kValues; i += 1000) {
      WriteBatch batch;
      for (int j = i; j < i + 1000; ++j) {
        char key[32];
        std::snprintf(key, sizeof key, "r/users/u%03d/%08d", j % 997, j);
        batch.Put(key, value);
      }
      ASSERT_TRUE(barrier->Write(batch).ok());
    }
  }
  const auto start = std::chrono::steady_clock::now();
  BarrierPtr barrier = MustOpen({key_a_});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_NE(barrier, nullptr);
  std::printf(
      "[ timing   ] OpenSealedBarrier with %d values (MemoryKvStore, full term check): "
      "%.1f ms\n",
      kValues, std::chrono::duration<double, std::milli>(elapsed).count());
  EXPECT_EQ(barrier->CountValuesByTerm().value_or(std::map<uint32_t, uint64_t>{}),
            (std::map<uint32_t, uint64_t>{{1, kValues}}));
}

TEST_F(SealedBarrierTest, FingerprintIsKeyedStableAndHidesTheSecret) {
  const std::string secret = "ghp_FingerprintMe0123456789";
  const std::string secret_hex = absl::BytesToHexString(secret);
  std::string first;
  {
    BarrierPtr barrier = MustOpen({key_a_});
    ASSERT_NE(barrier, nullptr);
    first = barrier->Fingerprint(secret);
    EXPECT_EQ(first.size(), 32u);
    EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos) << first;
    EXPECT_EQ(barrier->Fingerprint(secret), first);
    EXPECT_NE(barrier->Fingerprint(secret + "x"), first);
    EXPECT_NE(barrier->Fingerprint("other"), first);
    EXPECT_EQ(barrier->Fingerprint("").size(), 32u);
    EXPECT_THAT(first, Not(HasSubstr(secret)));
    EXPECT_THAT(secret_hex, Not(HasSubstr(first)));
    EXPECT_THAT(first, Not(HasSubstr(secret_hex.substr(0, 16))));
    // Unkeyed BLAKE2b-128 of the secret would let anyone confirm a guess; this is keyed.
    unsigned char plain_hash[16];
    crypto_generichash(plain_hash, sizeof plain_hash,
                       reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                       nullptr, 0);
    EXPECT_NE(first, absl::BytesToHexString(std::string(reinterpret_cast<const char*>(plain_hash),
                                                        sizeof plain_hash)));
    ASSERT_TRUE(barrier->RotateDataKey().ok());
    EXPECT_EQ(barrier->Fingerprint(secret), first);  // Data key rotation does not change it.
  }
  {
    BarrierPtr barrier = MustOpen({key_a_});  // Reopen with the same master key.
    ASSERT_NE(barrier, nullptr);
    EXPECT_EQ(barrier->Fingerprint(secret), first);
  }
  // Another master key (another data dir) fingerprints differently.
  absl::StatusOr<BarrierPtr> other = OpenSealedBarrier(
      std::make_unique<SharedStore>(std::make_shared<MemoryKvStore>()), Keys({key_b_}));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE((*other)->Fingerprint(secret), first);
}

}  // namespace
}  // namespace registry::seal
