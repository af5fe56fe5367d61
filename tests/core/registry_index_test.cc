// The per-owner registry index: entries parsed once, kept in try order, replaced and removed by id.
#include "server/core/registry_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace registry::core {
namespace {

v1::Registry Record(const std::string& id, const std::string& server, int64_t created_seconds) {
  v1::Registry record;
  record.set_name("users/alice/registries/" + id);
  record.set_server(server);
  record.mutable_create_time()->set_seconds(created_seconds);
  return record;
}

std::vector<std::string> Ids(const storage_v1::RegistryIndex& index) {
  std::vector<std::string> ids;
  for (const auto& entry : index.entries()) ids.push_back(entry.registry_id());
  return ids;
}

TEST(RegistryIndexTest, EntriesKeepTryOrderWhateverTheInsertOrder) {
  storage_v1::RegistryIndex index;
  ASSERT_TRUE(UpsertIndexEntry(index, Record("wild", "*.example.com", 1)).ok());
  ASSERT_TRUE(UpsertIndexEntry(index, Record("host", "ghcr.io", 2)).ok());
  ASSERT_TRUE(UpsertIndexEntry(index, Record("deep", "ghcr.io/team/app", 3)).ok());
  ASSERT_TRUE(UpsertIndexEntry(index, Record("team", "ghcr.io/team", 4)).ok());
  ASSERT_TRUE(UpsertIndexEntry(index, Record("older", "quay.io", 0)).ok());
  // More path segments first, then fewer wildcards, then older first.
  EXPECT_THAT(Ids(index), ::testing::ElementsAre("deep", "team", "older", "host", "wild"));
}

TEST(RegistryIndexTest, EntryHoldsTheParsedServerKey) {
  storage_v1::RegistryIndex index;
  v1::Registry record = Record("r", "https://Registry.Example.com:5000/v2/team/", 7);
  record.mutable_create_time()->set_nanos(5);
  ASSERT_TRUE(UpsertIndexEntry(index, record).ok());
  const MatchCandidate candidate = CandidateOf(index.entries(0));
  EXPECT_EQ(candidate.name, "users/alice/registries/r");
  EXPECT_EQ(candidate.server, *ParseServerKey(record.server()));
  EXPECT_EQ(candidate.create_time_nanos, 7'000'000'005);
  EXPECT_EQ(index.entries(0).server(), record.server());
}

TEST(RegistryIndexTest, UpsertReplacesAndRemoveDeletesById) {
  storage_v1::RegistryIndex index;
  ASSERT_TRUE(UpsertIndexEntry(index, Record("a", "ghcr.io", 1)).ok());
  ASSERT_TRUE(UpsertIndexEntry(index, Record("b", "quay.io", 2)).ok());
  ASSERT_TRUE(UpsertIndexEntry(index, Record("a", "ghcr.io/team", 1)).ok());
  EXPECT_THAT(Ids(index), ::testing::ElementsAre("a", "b"));
  EXPECT_EQ(index.entries(0).server(), "ghcr.io/team");
  EXPECT_TRUE(RemoveIndexEntry(index, "a"));
  EXPECT_FALSE(RemoveIndexEntry(index, "a"));
  EXPECT_THAT(Ids(index), ::testing::ElementsAre("b"));
}

TEST(RegistryIndexTest, UnparsableRecordsAreRefusedAndLeaveTheIndexAlone) {
  storage_v1::RegistryIndex index;
  ASSERT_TRUE(UpsertIndexEntry(index, Record("a", "ghcr.io", 1)).ok());
  EXPECT_EQ(UpsertIndexEntry(index, Record("a", "not a server", 1)).code(),
            absl::StatusCode::kInvalidArgument);
  v1::Registry nameless = Record("x", "ghcr.io", 1);
  nameless.set_name("nope");
  EXPECT_EQ(UpsertIndexEntry(index, nameless).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Ids(index), ::testing::ElementsAre("a"));
}

TEST(RegistryIndexTest, KeysOfDifferentOwnersNeverNest) {
  EXPECT_EQ(RegistryIndexKey(*ParseOwnerName("users/al", "o")), "x/users/al/");
  EXPECT_FALSE(RegistryIndexKey(*ParseOwnerName("users/alice", "o"))
                   .starts_with(RegistryIndexKey(*ParseOwnerName("users/al", "o"))));
}

}  // namespace
}  // namespace registry::core
