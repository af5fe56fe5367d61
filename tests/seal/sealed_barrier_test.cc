// Tests for OpenSealedBarrier over a MemoryKvStore: sealing, master keys, rotation, reserved
// keys and concurrency. The raw store outlives each barrier so reopen and raw reads work.
#include "server/seal/sealed_barrier.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/seal/envelope.h"
#include "storage/memory/memory_kv_store.h"

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

// A KvStore handle over a shared MemoryKvStore, so the test keeps the data across barriers.
class SharedStore final : public KvStore {
 public:
  explicit SharedStore(std::shared_ptr<MemoryKvStore> inner) : inner_(std::move(inner)) {}

  // KvStore:
  absl::StatusOr<std::string> Get(std::string_view key) override { return inner_->Get(key); }
  absl::Status Write(const WriteBatch& batch) override { return inner_->Write(batch); }
  absl::StatusOr<std::vector<KeyValue>> Scan(std::string_view prefix, std::string_view start_after,
                                             size_t limit) override {
    return inner_->Scan(prefix, start_after, limit);
  }

 private:
  std::shared_ptr<MemoryKvStore> inner_;
};

MasterKeys Keys(const std::vector<std::string>& lines) {
  std::string file;
  for (const std::string& line : lines) file += line + "\n";
  absl::StatusOr<MasterKeys> keys = ParseMasterKeys(file);
  if (!keys.ok()) std::abort();
  return std::move(*keys);
}

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

}  // namespace
}  // namespace registry::seal
