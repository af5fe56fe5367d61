// OwnerIndexCache: the ticket protocol never caches what a concurrent write replaced, entries
// are dropped by Invalidate, and the size stays bounded in owners and in bytes.
#include "server/service/owner_index_cache.h"

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "server/core/image_key.h"
#include "server/core/image_reference.h"
#include "server/core/matching.h"
#include "server/core/server_key.h"

namespace registry::service {
namespace {

IndexedRegistriesPtr Registries(const std::string& registry_id) {
  auto registries = std::make_shared<IndexedRegistries>();
  registries->Add(*core::ParseServerKey("ghcr.io"), registry_id);
  return registries;
}

// An owner's registries as the resolver caches them: `count` registries on four-label servers
// ("registry-J.bench.example.com", as registry-bench preloads them).
IndexedRegistriesPtr BenchRegistries(int count) {
  auto registries = std::make_shared<IndexedRegistries>();
  for (int j = 0; j < count; ++j) {
    registries->Add(*core::ParseServerKey("registry-" + std::to_string(j) + ".bench.example.com"),
                    "reg-" + std::to_string(j));
  }
  registries->ShrinkToFit();
  return registries;
}

TEST(IndexedRegistriesTest, PackedServersMatchLikeTheirServerKeys) {
  const std::vector<std::string> servers = {"ghcr.io",
                                            "ghcr.io/team",
                                            "registry.example.com:5000/team/app",
                                            "*.gcr.io",
                                            "*.dkr.ecr.*.amazonaws.com",
                                            "https://index.docker.io/v1/",
                                            "[::1]:5000",
                                            "eu-?.example.com",
                                            "a.very.long.registry.host.name.example.org/x/y/z"};
  const std::vector<std::string> images = {"ghcr.io/team/app:1",
                                           "ghcr.io/teammate/app",
                                           "registry.example.com:5000/team/app/web",
                                           "eu.gcr.io/p/i",
                                           "1.dkr.ecr.eu-west-1.amazonaws.com/app",
                                           "nginx",
                                           "[::1]:5000/x",
                                           "eu-1.example.com/a",
                                           "a.very.long.registry.host.name.example.org/x/y/z/w"};
  IndexedRegistries packed;
  std::vector<core::ServerKey> keys;
  for (size_t i = 0; i < servers.size(); ++i) {
    keys.push_back(*core::ParseServerKey(servers[i]));
    packed.Add(keys.back(), i % 2 == 0 ? "" : "reg-" + std::to_string(i));
  }
  packed.ShrinkToFit();
  ASSERT_EQ(packed.size(), servers.size());
  int matched = 0;
  for (size_t i = 0; i < servers.size(); ++i) {
    const core::PackedServerKey server = packed.server(i);
    EXPECT_EQ(packed.registry_id(i), i % 2 == 0 ? "" : "reg-" + std::to_string(i));
    EXPECT_EQ(server.port, keys[i].port);
    EXPECT_EQ(server.docker_hub, keys[i].docker_hub);
    EXPECT_EQ(server.wildcard_labels, keys[i].wildcard_labels);
    ASSERT_EQ(server.host_labels.size(), keys[i].host_labels.size());
    for (size_t l = 0; l < keys[i].host_labels.size(); ++l) {
      EXPECT_EQ(server.host_labels[l], keys[i].host_labels[l]);
    }
    ASSERT_EQ(server.path_segments.size(), keys[i].path_segments.size());
    for (size_t p = 0; p < keys[i].path_segments.size(); ++p) {
      EXPECT_EQ(server.path_segments[p], keys[i].path_segments[p]);
    }
    for (const std::string& reference : images) {
      const core::ImageKey image = core::ImageKeyOf(*core::ParseImageReference(reference));
      const core::MatchOutcome want = core::MatchServer(keys[i], image);
      const core::MatchOutcome got = core::MatchServer(server, image);
      EXPECT_EQ(got.matched, want.matched) << servers[i] << " vs " << reference;
      EXPECT_EQ(got.reason, want.reason) << servers[i] << " vs " << reference;
      EXPECT_EQ(core::ServerMatches(server, image), want.matched);
      matched += want.matched;
    }
  }
  EXPECT_GE(matched, 9) << "the table should exercise matches as well as mismatches";
}

TEST(OwnerIndexCacheTest, InsertFindInvalidate) {
  OwnerIndexCache cache(64, 1 << 20);
  EXPECT_EQ(cache.Find("users/alice"), nullptr);
  cache.Insert("users/alice", cache.Ticket("users/alice"), Registries("a"));
  ASSERT_NE(cache.Find("users/alice"), nullptr);
  EXPECT_EQ(cache.Find("users/alice")->registry_id(0), "a");
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
  EXPECT_EQ(cache.Find("users/alice")->registry_id(0), "fresh");
}

TEST(OwnerIndexCacheTest, HeldEntriesOutliveInvalidation) {
  OwnerIndexCache cache(64, 1 << 20);
  cache.Insert("users/alice", cache.Ticket("users/alice"), Registries("a"));
  IndexedRegistriesPtr held = cache.Find("users/alice");
  cache.Invalidate("users/alice");
  EXPECT_EQ(held->registry_id(0), "a");  // A resolve in progress keeps its snapshot.
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
  // Packed, ~1.2 KiB per such owner; as separate ServerKeys they held ~2.9 KiB (resident memory
  // with 100 000 of them cached fell from 448 to 299 MiB when they were packed).
  EXPECT_GT(ten, 1000u);
  EXPECT_LT(ten, 1500u);
  const size_t two_hundred =
      OwnerIndexCache::EntryBytes("users/bench-12345", *BenchRegistries(200));
  EXPECT_GT(two_hundred, 15 * ten) << "an owner of 200 registries costs ~18 of 10";
  EXPECT_LT(two_hundred, 21 * ten);
}

TEST(OwnerIndexCacheTest, BytesStayBoundedWhateverTheOwnersHold) {
  // Room for 100 000 owners but only 1 MiB: owners of 200 registries (~21 KiB each) must be
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
  OwnerIndexCache cache(64, 16 * 512);  // 512 bytes per shard.
  cache.Insert("users/alice", cache.Ticket("users/alice"), BenchRegistries(10));
  EXPECT_EQ(cache.Find("users/alice"), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace registry::service
