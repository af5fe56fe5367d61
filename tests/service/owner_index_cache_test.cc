// OwnerIndexCache: the ticket protocol never caches what a concurrent write replaced, entries
// are dropped by Invalidate, and the size stays bounded.
#include "server/service/owner_index_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace registry::service {
namespace {

IndexedRegistriesPtr Registries(const std::string& registry_id) {
  auto registries = std::make_shared<IndexedRegistries>(1);
  registries->front().registry_id = registry_id;
  return registries;
}

TEST(OwnerIndexCacheTest, InsertFindInvalidate) {
  OwnerIndexCache cache(64);
  EXPECT_EQ(cache.Find("users/alice"), nullptr);
  cache.Insert("users/alice", cache.Ticket("users/alice"), Registries("a"));
  ASSERT_NE(cache.Find("users/alice"), nullptr);
  EXPECT_EQ(cache.Find("users/alice")->front().registry_id, "a");
  cache.Invalidate("users/alice");
  EXPECT_EQ(cache.Find("users/alice"), nullptr);
}

TEST(OwnerIndexCacheTest, ALoadThatRacedWithAWriteIsNotCached) {
  OwnerIndexCache cache(64);
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
  OwnerIndexCache cache(64);
  cache.Insert("users/alice", cache.Ticket("users/alice"), Registries("a"));
  IndexedRegistriesPtr held = cache.Find("users/alice");
  cache.Invalidate("users/alice");
  EXPECT_EQ(held->front().registry_id, "a");  // A resolve in progress keeps its snapshot.
}

TEST(OwnerIndexCacheTest, SizeStaysBounded) {
  OwnerIndexCache cache(32);
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

}  // namespace
}  // namespace registry::service
