// WrittenIndexCache on its own, and RegistryManager's writes through it: the owner's index is
// read from the store once and then carried from write to write; a write that fails carries
// nothing, so the next one reads what the store really holds.
#include "server/service/written_index_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "server/seal/master_key.h"
#include "server/seal/sealed_barrier.h"
#include "server/service/registry_indexes.h"
#include "server/service/registry_manager.h"
#include "storage/memory/memory_kv_store.h"

namespace registry::service {
namespace {

using ::testing::ElementsAre;

constexpr char kMasterKey[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

core::storage_v1::RegistryIndex IndexOf(std::vector<std::string> ids) {
  core::storage_v1::RegistryIndex index;
  for (const std::string& id : ids) index.add_entries()->set_registry_id(id);
  return index;
}

std::vector<std::string> IdsOf(const core::storage_v1::RegistryIndex& index) {
  std::vector<std::string> ids;
  for (const auto& entry : index.entries()) ids.push_back(entry.registry_id());
  return ids;
}

TEST(WrittenIndexCacheTest, TakeMovesTheKeptIndexOut) {
  WrittenIndexCache cache(100);
  EXPECT_FALSE(cache.Take("users/alice").has_value());
  cache.Keep("users/alice", IndexOf({"a", "b"}));
  std::optional<core::storage_v1::RegistryIndex> taken = cache.Take("users/alice");
  ASSERT_TRUE(taken.has_value());
  EXPECT_THAT(IdsOf(*taken), ElementsAre("a", "b"));
  // Taken means gone: the write that took it owns it until it keeps the next one.
  EXPECT_FALSE(cache.Take("users/alice").has_value());
  EXPECT_EQ(cache.owners(), 0u);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(WrittenIndexCacheTest, KeepReplacesAndAnEmptyIndexIsKept) {
  WrittenIndexCache cache(100);
  cache.Keep("users/alice", IndexOf({"a", "b", "c"}));
  cache.Keep("users/alice", IndexOf({}));  // The owner's last registry was deleted.
  EXPECT_EQ(cache.owners(), 1u);
  EXPECT_EQ(cache.entries(), 1u);  // An empty index counts as one.
  std::optional<core::storage_v1::RegistryIndex> taken = cache.Take("users/alice");
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->entries_size(), 0);
}

TEST(WrittenIndexCacheTest, StaysWithinItsEntryBudget) {
  WrittenIndexCache cache(10);
  for (int owner = 0; owner < 50; ++owner) {
    cache.Keep("users/u" + std::to_string(owner), IndexOf({"a", "b", "c"}));
    EXPECT_LE(cache.entries(), 10u);
    EXPECT_EQ(cache.owners(), owner % 3 + 1u);  // Full after three: it starts over.
  }
  // The index just kept is never the one dropped.
  EXPECT_TRUE(cache.Take("users/u49").has_value());
  // Replacing an owner's index counts only the difference.
  WrittenIndexCache fresh(10);
  fresh.Keep("users/x", IndexOf({"a", "b", "c"}));
  fresh.Keep("users/y", IndexOf({"a", "b", "c"}));
  fresh.Keep("users/x", IndexOf({"a", "b", "c", "d"}));
  EXPECT_EQ(fresh.owners(), 2u);
  EXPECT_EQ(fresh.entries(), 7u);
  // One index larger than the whole budget is not kept at all.
  cache.Keep("users/big", IndexOf({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}));
  EXPECT_FALSE(cache.Take("users/big").has_value());
}

// A MemoryKvStore that counts reads of owner indexes and can fail its next writes.
class CountingStore final : public storage::KvStore {
 public:
  absl::StatusOr<std::string> Get(std::string_view key) override {
    if (key.substr(0, 2) == "x/") ++*index_reads;
    return store_.Get(key);
  }
  absl::Status Write(const storage::WriteBatch& batch) override {
    if (*failing_writes > 0) {
      --*failing_writes;
      return absl::UnavailableError("disk gone");
    }
    return store_.Write(batch);
  }
  absl::StatusOr<std::vector<storage::KeyValue>> Scan(std::string_view prefix,
                                                      std::string_view start_after,
                                                      size_t limit) override {
    return store_.Scan(prefix, start_after, limit);
  }
  std::shared_ptr<std::atomic<int>> index_reads = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> failing_writes = std::make_shared<std::atomic<int>>(0);

 private:
  storage::MemoryKvStore store_;
};

class WrittenIndexTest : public ::testing::Test {
 protected:
  WrittenIndexTest() {
    auto store = std::make_unique<CountingStore>();
    index_reads_ = store->index_reads;
    failing_writes_ = store->failing_writes;
    barrier_ = *seal::OpenSealedBarrier(std::move(store), *seal::ParseMasterKeys(kMasterKey));
    audit_ = std::make_unique<AuditLog>(*barrier_, nullptr);
    manager_ = std::make_unique<RegistryManager>(*barrier_, *audit_, RegistryManagerOptions{});
    alice_.caller.subject = "alice";
    alice_.caller.scopes = {"registry.read", "registry.write"};
  }

  absl::StatusOr<v1::Registry> Create(const std::string& id) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id(id);
    request.mutable_registry()->set_display_name(id);
    request.mutable_registry()->set_server(id + ".example.com");
    request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_NONE);
    return manager_->CreateRegistry(alice_, request);
  }

  // What the store holds as alice's index (read around the manager).
  std::vector<std::string> StoredIds() {
    absl::StatusOr<core::storage_v1::RegistryIndex> index =
        LoadRegistryIndex(*barrier_, *core::ParseOwnerName("users/alice", "parent"));
    EXPECT_TRUE(index.ok()) << index.status();
    std::vector<std::string> ids = IdsOf(index.value_or(core::storage_v1::RegistryIndex()));
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::shared_ptr<std::atomic<int>> index_reads_;
  std::shared_ptr<std::atomic<int>> failing_writes_;
  seal::BarrierPtr barrier_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<RegistryManager> manager_;
  Call alice_;
};

TEST_F(WrittenIndexTest, AnOwnersWritesReadItsIndexOnceAndStoreWhatTheyCarry) {
  ASSERT_TRUE(Create("a").ok());
  ASSERT_TRUE(Create("b").ok());
  ASSERT_TRUE(Create("c").ok());
  v1::UpdateRegistryRequest update;
  update.mutable_registry()->set_name("users/alice/registries/b");
  update.mutable_registry()->set_server("b.example.com/team");
  update.mutable_update_mask()->add_paths("server");
  ASSERT_TRUE(manager_->UpdateRegistry(alice_, update).ok());
  v1::DeleteRegistryRequest remove;
  remove.set_name("users/alice/registries/a");
  ASSERT_TRUE(manager_->DeleteRegistry(alice_, remove).ok());
  // Already there: answered from the carried index.
  EXPECT_EQ(Create("c").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(index_reads_->load(), 1);  // The first create's; every later write carried it.

  EXPECT_THAT(StoredIds(), ElementsAre("b", "c"));
  // The updated entry went to the front (more path segments are tried first), as stored.
  absl::StatusOr<core::storage_v1::RegistryIndex> stored =
      LoadRegistryIndex(*barrier_, *core::ParseOwnerName("users/alice", "parent"));
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(IdsOf(*stored), ElementsAre("b", "c"));
}

TEST_F(WrittenIndexTest, AFailedWriteCarriesNothingSoTheNextOneReadsTheStore) {
  ASSERT_TRUE(Create("a").ok());
  ASSERT_EQ(index_reads_->load(), 1);
  *failing_writes_ = 1;  // The create of b stages b into the index, then its write fails.
  EXPECT_EQ(Create("b").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(StoredIds(), ElementsAre("a"));
  const int reads_before = index_reads_->load();
  // Had the failed create's index been kept, b would look taken (ALREADY_EXISTS).
  absl::StatusOr<v1::Registry> again = Create("b");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(index_reads_->load(), reads_before + 1);  // Read from the store again.
  EXPECT_THAT(StoredIds(), ElementsAre("a", "b"));
}

}  // namespace
}  // namespace registry::service
