// OwnerIndexCache: the ticket protocol never caches what a concurrent write replaced, entries
// are dropped by Invalidate, and the size stays bounded in owners and in bytes.
#include "server/service/owner_index_cache.h"

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "server/core/server_key.h"

namespace registry::service {
namespace {

IndexedRegistriesPtr Registries(const std::string& registry_id) {
  auto registries = std::make_shared<IndexedRegistries>(1);
  registries->front().registry_id = registry_id;
  return registries;
}

// An owner's registries as the resolver caches them: `count` registries on four-label servers
// ("registry-J.bench.example.com", as registry-bench preloads them).
IndexedRegistriesPtr BenchRegistries(int count) {
  auto registries = std::make_shared<IndexedRegistries>();
  registries->reserve(count);
  for (int j = 0; j < count; ++j) {
    registries->push_back(
        {.server = *core::ParseServerKey("registry-" + std::to_string(j) + ".bench.example.com"),
         .registry_id = "reg-" + std::to_string(j)});
  }
  return registries;
}

TEST(OwnerIndexCacheTest, InsertFindInvalidate) {
  OwnerIndexCache cache(64, 1 << 20);
  EXPECT_EQ(cache.Find("users/alice"), nullptr);
  cache.Insert("users/alice", cache.Ticket("users/alice"), Registries("a"));
  ASSERT_NE(cache.Find("users/alice"), nullptr);
  EXPECT_EQ(cache.Find("users/alice")->front().registry_id, "a");
  cache.Invalidate("users/alice");
  EXPECT_EQ(cache.Find("users/alice"), nullptr);
}

TEST(OwnerIndexCacheTest, ALoadThatRacedWithAWriteIsNotCached) {
  OwnerIndexCache cache(64, 1 << 20);
  const uint64_t ticket = cache.Ticket("users/alice");       // The load starts...
  cache.Invalidate("users/alice");                           // ...a write commits meanwhile...
  cache.Insert("users/alice", ticket, Registries("stale"));  // ...and the load finishes.
  EXPECT_EQ(cache.Find("users/alice"), nullptr);
  // A load that starts after the write is cached.
  cache.Insert("users/alice", cache.Ticket("users/alice"), Registries("fresh"));
  ASSERT_NE(cache.Find("users/alice"), nullptr);
  EXPECT_EQ(cache.Find("users/alice")->front().registry_id, "fresh");
}

TEST(OwnerIndexCacheTest, HeldEntriesOutliveInvalidation) {
  OwnerIndexCache cache(64, 1 << 20);
  cache.Insert("users/alice", cache.Ticket("users/alice"), Registries("a"));
  IndexedRegistriesPtr held = cache.Find("users/alice");
  cache.Invalidate("users/alice");
  EXPECT_EQ(held->front().registry_id, "a");  // A resolve in progress keeps its snapshot.
}

TEST(OwnerIndexCacheTest, SizeStaysBounded) {
  OwnerIndexCache cache(32, 1 << 30);
  for (int i = 0; i < 10'000; ++i) {
    const std::string owner = "users/u" + std::to_string(i);
    cache.Insert(owner, cache.Ticket(owner), Registries(owner));
    ASSERT_NE(cache.Find(owner), nullptr) << "the owner just inserted is always cached";
  }
  int cached = 0;
  for (int i = 0; i < 10'000; ++i) {
    if (cache.Find("users/u" + std::to_string(i)) != nullptr) ++cached;
  }
  EXPECT_GT(cached, 0);
  EXPECT_LE(cached, 32);
}

TEST(OwnerIndexCacheTest, EntryBytesTrackWhatAnOwnerHolds) {
  const size_t ten = OwnerIndexCache::EntryBytes("users/bench-12345", *BenchRegistries(10));
  std::cout << "EntryBytes: owner of 10 registries " << ten << "\n";
  // Resident memory measured ~2.9 KiB per such owner with 100 000 of them cached.
  EXPECT_GT(ten, 2600u);
  EXPECT_LT(ten, 3300u);
  const size_t two_hundred =
      OwnerIndexCache::EntryBytes("users/bench-12345", *BenchRegistries(200));
  EXPECT_GT(two_hundred, 18 * ten) << "an owner of 200 registries costs ~20 of 10";
  EXPECT_LT(two_hundred, 21 * ten);
}

TEST(OwnerIndexCacheTest, BytesStayBoundedWhateverTheOwnersHold) {
  // Room for 100 000 owners but only 1 MiB: owners of 200 registries (~55 KiB each) must be
  // bounded by the bytes, not the count.
  constexpr size_t kBudget = 1 << 20;
  OwnerIndexCache cache(100'000, kBudget);
  const IndexedRegistriesPtr big = BenchRegistries(200);
  for (int i = 0; i < 1'000; ++i) {
    const std::string owner = "users/big-" + std::to_string(i);
    cache.Insert(owner, cache.Ticket(owner), big);
    ASSERT_NE(cache.Find(owner), nullptr) << "the owner just inserted is always cached";
    ASSERT_LE(cache.bytes(), kBudget);
  }
  int cached = 0;
  for (int i = 0; i < 1'000; ++i) {
    if (cache.Find("users/big-" + std::to_string(i)) != nullptr) ++cached;
  }
  EXPECT_GT(cached, 0);
  EXPECT_LE(cached * OwnerIndexCache::EntryBytes("users/big-0", *big), kBudget);
  // Invalidation and replacement give their bytes back.
  const size_t before = cache.bytes();
  for (int i = 0; i < 1'000; ++i) cache.Invalidate("users/big-" + std::to_string(i));
  EXPECT_EQ(cache.bytes(), 0u);
  cache.Insert("users/alice", cache.Ticket("users/alice"), BenchRegistries(10));
  cache.Insert("users/alice", cache.Ticket("users/alice"), BenchRegistries(10));
  EXPECT_EQ(cache.bytes(), OwnerIndexCache::EntryBytes("users/alice", *BenchRegistries(10)));
  EXPECT_GT(before, 0u);
}

TEST(OwnerIndexCacheTest, AnOwnerBiggerThanAShardsShareIsNotCached) {
  OwnerIndexCache cache(64, 16 * 1024);  // 1 KiB per shard.
  cache.Insert("users/alice", cache.Ticket("users/alice"), BenchRegistries(10));
  EXPECT_EQ(cache.Find("users/alice"), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace registry::service
