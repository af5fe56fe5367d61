// The audit trail: every mutation and resolve is an event, committed with the change; when the
// audit log cannot record, nothing changes and nothing is handed out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/seal/master_key.h"
#include "server/seal/sealed_barrier.h"
#include "server/service/audit_keys.h"
#include "server/service/audit_log.h"
#include "server/service/credential_resolver.h"
#include "server/service/registry_manager.h"
#include "storage/memory/memory_kv_store.h"

namespace registry::service {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kMasterKey[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
constexpr char kSecret[] = "ghp_audit_canary_secret";

// Records events in memory; can be switched to fail.
class RecordingSink final : public AuditSink {
 public:
  // AuditSink:
  absl::Status Append(const v1::RegistryEvent& event) override {
    if (fail) return absl::UnavailableError("disk full");
    events.push_back(event);
    return absl::OkStatus();
  }
  bool fail = false;
  std::vector<v1::RegistryEvent> events;
};

// A MemoryKvStore whose writes can be switched to fail (after the barrier has initialized it).
class FailingWritesStore final : public storage::KvStore {
 public:
  absl::StatusOr<std::string> Get(std::string_view key) override { return store_.Get(key); }
  absl::Status Write(const storage::WriteBatch& batch) override {
    if (*fail) return absl::UnavailableError("disk gone");
    for (const auto& mutation : batch.mutations) {
      if (mutation.kind == storage::KvMutation::Kind::kPut && mutation.key.starts_with("a/h/")) {
        ++*hour_index_puts;
      }
    }
    return store_.Write(batch);
  }
  absl::StatusOr<std::vector<storage::KeyValue>> Scan(std::string_view prefix,
                                                      std::string_view start_after,
                                                      size_t limit) override {
    return store_.Scan(prefix, start_after, limit);
  }
  std::shared_ptr<bool> fail = std::make_shared<bool>(false);
  std::shared_ptr<int> hour_index_puts = std::make_shared<int>(0);

 private:
  storage::MemoryKvStore store_;
};

class AuditTest : public ::testing::Test {
 protected:
  AuditTest() {
    auto store = std::make_unique<FailingWritesStore>();
    store_fails_ = store->fail;
    hour_index_puts_ = store->hour_index_puts;
    barrier_ = *seal::OpenSealedBarrier(std::move(store), *seal::ParseMasterKeys(kMasterKey));
    auto sink = std::make_unique<RecordingSink>();
    sink_ = sink.get();
    audit_ = std::make_unique<AuditLog>(*barrier_, std::move(sink), [this] { return now_; });
    manager_ = std::make_unique<RegistryManager>(
        *barrier_, *audit_, RegistryManagerOptions{.clock = [this] { return now_; }});
    resolver_ = std::make_unique<CredentialResolver>(*barrier_, *audit_);
    alice_.caller.subject = "alice";
    alice_.caller.scopes = {"registry.read", "registry.write"};
    alice_.request_id = "req-alice";
    deployer_.caller.subject = "deployer";
    deployer_.caller.scopes = {"credentials.resolve"};
    deployer_.request_id = "req-deploy";
  }

  absl::StatusOr<v1::Registry> CreateGhcr() {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id("ghcr");
    request.mutable_registry()->set_display_name("GHCR");
    request.mutable_registry()->set_server("ghcr.io");
    request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
    request.mutable_registry()->set_username("octocat");
    request.mutable_registry()->set_password(kSecret);
    return manager_->CreateRegistry(alice_, request);
  }

  absl::StatusOr<v1::ResolveCredentialsResponse> ResolveGhcr() {
    v1::ResolveCredentialsRequest request;
    request.set_owner("users/alice");
    request.add_images("ghcr.io/team/app:1");
    request.add_images("quay.io/x/y");
    request.set_action(v1::ACTION_PULL);
    return resolver_->ResolveCredentials(deployer_, request);
  }

  absl::StatusOr<v1::ListRegistryEventsResponse> Events() {
    v1::ListRegistryEventsRequest request;
    request.set_parent("users/alice/registries/ghcr");
    return manager_->ListRegistryEvents(alice_, request);
  }

  // The store's keys under `prefix`.
  std::vector<std::string> StoredKeys(std::string_view prefix) {
    absl::StatusOr<std::vector<std::string>> keys = barrier_->ScanKeys(prefix, "", 1000);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.value_or(std::vector<std::string>());
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);  // The start of an hour.
  std::shared_ptr<bool> store_fails_;
  std::shared_ptr<int> hour_index_puts_;
  seal::BarrierPtr barrier_;
  RecordingSink* sink_ = nullptr;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<RegistryManager> manager_;
  std::unique_ptr<CredentialResolver> resolver_;
  Call alice_;
  Call deployer_;
};

TEST_F(AuditTest, OwnerSeesWhoChangedAndWhoUsedTheRegistryNewestFirst) {
  ASSERT_TRUE(CreateGhcr().ok());
  now_ += absl::Minutes(1);
  ASSERT_TRUE(ResolveGhcr().ok());

  auto events = Events();
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->events_size(), 2);
  const v1::RegistryEvent& resolve = events->events(0);
  EXPECT_EQ(resolve.method(), "cloudmanager.registry.v1.CredentialService/ResolveCredentials");
  EXPECT_EQ(resolve.actor(), "deployer");
  EXPECT_THAT(resolve.actor_scopes(), ElementsAre("credentials.resolve"));
  EXPECT_EQ(resolve.request_id(), "req-deploy");
  EXPECT_THAT(resolve.images(), ElementsAre("ghcr.io/team/app:1"));
  EXPECT_EQ(resolve.action(), v1::ACTION_PULL);
  EXPECT_EQ(resolve.outcome(), "OK");
  EXPECT_THAT(resolve.name(), HasSubstr("users/alice/registries/ghcr/events/"));
  const v1::RegistryEvent& create = events->events(1);
  EXPECT_EQ(create.method(), "cloudmanager.registry.v1.RegistryService/CreateRegistry");
  EXPECT_EQ(create.actor(), "alice");
  // The same secret version has the same fingerprint in both events, and it is not the secret.
  ASSERT_EQ(create.secret_fingerprints_size(), 1);
  ASSERT_EQ(resolve.secret_fingerprints_size(), 1);
  EXPECT_EQ(create.secret_fingerprints(0), resolve.secret_fingerprints(0));
  for (const auto& event : sink_->events) {
    EXPECT_THAT(event.SerializeAsString(), Not(HasSubstr(kSecret)));
  }
  // The sink saw both events too, plus the anonymous quay.io answer.
  EXPECT_EQ(sink_->events.size(), 3u);
}

TEST_F(AuditTest, WhenTheAuditLogFailsNothingChangesAndNothingIsHandedOut) {
  sink_->fail = true;
  EXPECT_EQ(CreateGhcr().status().code(), absl::StatusCode::kUnavailable);
  v1::GetRegistryRequest get;
  get.set_name("users/alice/registries/ghcr");
  EXPECT_EQ(manager_->GetRegistry(alice_, get).status().code(), absl::StatusCode::kNotFound);

  sink_->fail = false;
  ASSERT_TRUE(CreateGhcr().ok());
  sink_->fail = true;
  auto resolved = ResolveGhcr();
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(resolved.status().message(), Not(HasSubstr(kSecret)));
  v1::DeleteRegistryRequest remove;
  remove.set_name("users/alice/registries/ghcr");
  EXPECT_EQ(manager_->DeleteRegistry(alice_, remove).code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(manager_->GetRegistry(alice_, get).ok());
}

TEST_F(AuditTest, WhenTheAuditStoreWriteFailsNothingIsHandedOut) {
  ASSERT_TRUE(CreateGhcr().ok());
  *store_fails_ = true;  // The group-committed write of the resolve's events fails.
  auto resolved = ResolveGhcr();
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(resolved.status().message(), HasSubstr("audit store unavailable"));
  EXPECT_THAT(resolved.status().message(), Not(HasSubstr(kSecret)));
  *store_fails_ = false;
  ASSERT_TRUE(ResolveGhcr().ok());
}

TEST_F(AuditTest, ACreateWhoseStoreWriteFailsIsRefusedAndItsFailureAudited) {
  // The create's batch fails on the committer's thread; recording the failure from there must
  // not wait for that thread (a blocking audit write would hang this test).
  *store_fails_ = true;
  auto created = CreateGhcr();
  EXPECT_EQ(created.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(created.status().message(), Not(HasSubstr(kSecret)));
  ASSERT_GE(sink_->events.size(),
            2u);  // The attempt (OK, staged with the batch), then its failure.
  EXPECT_EQ(sink_->events.back().outcome(), "UNAVAILABLE");
  EXPECT_EQ(sink_->events.back().registry(), "users/alice/registries/ghcr");
  EXPECT_THAT(sink_->events.back().secret_fingerprints(), IsEmpty());
  *store_fails_ = false;
  v1::GetRegistryRequest get;
  get.set_name("users/alice/registries/ghcr");
  EXPECT_EQ(manager_->GetRegistry(alice_, get).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(CreateGhcr().ok());  // The owner's turn was given back.
}

TEST_F(AuditTest, RefusedCallsGoToTheSinkButNotIntoTheOwnersTrail) {
  ASSERT_TRUE(CreateGhcr().ok());
  Call bob;
  bob.caller.subject = "bob";
  bob.caller.scopes = {"registry.write"};
  v1::DeleteRegistryRequest remove;
  remove.set_name("users/alice/registries/ghcr");
  EXPECT_EQ(manager_->DeleteRegistry(bob, remove).code(), absl::StatusCode::kPermissionDenied);
  ASSERT_FALSE(sink_->events.empty());
  EXPECT_EQ(sink_->events.back().outcome(), "PERMISSION_DENIED");
  EXPECT_EQ(sink_->events.back().actor(), "bob");
  EXPECT_EQ(Events()->events_size(), 1);  // Only the create.
}

TEST_F(AuditTest, RetentionRemovesOldEventsOnly) {
  ASSERT_TRUE(CreateGhcr().ok());
  now_ += absl::Hours(48);
  ASSERT_TRUE(ResolveGhcr().ok());
  auto removed = audit_->PurgeOlderThan(now_ - absl::Hours(24), 100);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->events, 1u);
  EXPECT_FALSE(removed->more);
  auto events = Events();
  ASSERT_EQ(events->events_size(), 1);
  EXPECT_EQ(events->events(0).method(),
            "cloudmanager.registry.v1.CredentialService/ResolveCredentials");
  // The create's hour entry went with its event; the resolve's hour is within retention.
  EXPECT_THAT(StoredKeys("a/h/"), ElementsAre(EndsWith("/users/alice/")));
  EXPECT_EQ(audit_->PurgeOlderThan(now_ - absl::Hours(24), 100)->events, 0u);
}

TEST_F(AuditTest, AnHourIsSweptOnceItHasEndedByTheCutoffEventsAfterTheCutoffStay) {
  ASSERT_TRUE(CreateGhcr().ok());  // 00:00
  now_ += absl::Minutes(40);
  ASSERT_TRUE(ResolveGhcr().ok());  // 00:40
  // Cutoff 00:30: the hour has not ended by it, so nothing is visited yet.
  EXPECT_EQ(audit_->PurgeOlderThan(now_ - absl::Minutes(10), 100)->events, 0u);
  EXPECT_EQ(Events()->events_size(), 2);
  // Cutoff 01:00: both events are older; the hour entry goes too.
  EXPECT_EQ(audit_->PurgeOlderThan(now_ + absl::Minutes(20), 100)->events, 2u);
  EXPECT_EQ(Events()->events_size(), 0);
  EXPECT_THAT(StoredKeys("a/h/"), IsEmpty());
  // Events at 01:20, 01:50 and 02:40; cutoff 02:30: the hour 01:00-02:00 has ended by it, so
  // its registry's events older than the cutoff go; the one at 02:40 and its hour stay.
  now_ += absl::Minutes(40);
  ASSERT_TRUE(ResolveGhcr().ok());
  now_ += absl::Minutes(30);
  ASSERT_TRUE(ResolveGhcr().ok());
  now_ += absl::Minutes(50);
  ASSERT_TRUE(ResolveGhcr().ok());
  EXPECT_EQ(audit_->PurgeOlderThan(now_ - absl::Minutes(10), 100)->events, 2u);
  ASSERT_EQ(Events()->events_size(), 1);
  EXPECT_EQ(Events()->events(0).event_time().seconds(), absl::ToUnixSeconds(now_));
  EXPECT_EQ(StoredKeys("a/h/").size(), 1u);
}

TEST_F(AuditTest, TheSweepCoversEveryRegistryOfTheOwnerAndNoOtherOwner) {
  ASSERT_TRUE(CreateGhcr().ok());
  v1::CreateRegistryRequest quay;
  quay.set_parent("users/alice");
  quay.set_registry_id("quay");
  quay.mutable_registry()->set_display_name("Quay");
  quay.mutable_registry()->set_server("quay.io");
  quay.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_NONE);
  ASSERT_TRUE(manager_->CreateRegistry(alice_, quay).ok());
  // Another owner whose id extends alice's, written later (within retention).
  Call alice2 = alice_;
  alice2.caller.subject = "alice2";
  quay.set_parent("users/alice2");
  now_ += absl::Hours(3);
  ASSERT_TRUE(manager_->CreateRegistry(alice2, quay).ok());
  now_ -= absl::Hours(2);
  ASSERT_TRUE(ResolveGhcr().ok());  // Answered by both of alice's registries.
  // Cutoff 02:00: alice's hours (00:00, 01:00) have ended; alice2's (03:00) has not.
  EXPECT_EQ(
      audit_->PurgeOlderThan(absl::FromUnixSeconds(1'800'000'000) + absl::Hours(2), 100)->events,
      4u);
  EXPECT_THAT(StoredKeys("a/e/users/alice/"), IsEmpty());
  EXPECT_EQ(StoredKeys("a/e/users/alice2/").size(), 1u);
}

TEST_F(AuditTest, AKeyUnderTheOwnerOutsideAnyRegistryDoesNotWidenTheSweep) {
  ASSERT_TRUE(CreateGhcr().ok());  // 00:00
  now_ += absl::Hours(2);
  ASSERT_TRUE(ResolveGhcr().ok());  // 02:00, within retention below
  storage::WriteBatch stray;        // Sorts before ghcr's events, names no registry.
  stray.Put("a/e/users/alice/aaa", "x");
  ASSERT_TRUE(barrier_->Write(stray).ok());
  EXPECT_EQ(audit_->PurgeOlderThan(now_ - absl::Hours(1), 100)->events, 1u);  // The create's.
  auto events = Events();
  ASSERT_EQ(events->events_size(), 1);
  EXPECT_EQ(events->events(0).method(),
            "cloudmanager.registry.v1.CredentialService/ResolveCredentials");
}

TEST_F(AuditTest, AnOwnerResolvedOftenInAnHourWritesOneHourEntry) {
  ASSERT_TRUE(CreateGhcr().ok());
  now_ += absl::Hours(1);  // An hour without the create's entry.
  const int before = *hour_index_puts_;
  for (int i = 0; i < 5; ++i) {
    now_ += absl::Minutes(5);
    ASSERT_TRUE(ResolveGhcr().ok());
  }
  EXPECT_EQ(*hour_index_puts_, before + 1);  // The first resolve's.
  now_ += absl::Hours(1);
  ASSERT_TRUE(ResolveGhcr().ok());
  EXPECT_EQ(*hour_index_puts_, before + 2);  // A new hour, a new entry.
  EXPECT_EQ(StoredKeys("a/h/").size(), 3u);
  EXPECT_EQ(Events()->events_size(), 7);
}

TEST_F(AuditTest, RegistryWritesAndResolvesOfAnOwnerShareTheHourEntry) {
  ASSERT_TRUE(CreateGhcr().ok());
  EXPECT_EQ(*hour_index_puts_, 1);  // The create's.
  v1::UpdateRegistryRequest update;
  update.mutable_registry()->set_name("users/alice/registries/ghcr");
  update.mutable_registry()->set_display_name("GitHub");
  update.mutable_update_mask()->add_paths("display_name");
  now_ += absl::Minutes(1);
  ASSERT_TRUE(manager_->UpdateRegistry(alice_, update).ok());
  ASSERT_TRUE(ResolveGhcr().ok());
  EXPECT_EQ(*hour_index_puts_, 1);  // Known durable: left out.
  // A write that fails in a new hour leaves its entry unremembered: the next one writes it.
  now_ += absl::Hours(1);
  *store_fails_ = true;
  update.mutable_registry()->set_display_name("GHCR");
  EXPECT_EQ(manager_->UpdateRegistry(alice_, update).status().code(),
            absl::StatusCode::kUnavailable);
  *store_fails_ = false;
  ASSERT_TRUE(manager_->UpdateRegistry(alice_, update).ok());
  ASSERT_TRUE(ResolveGhcr().ok());
  EXPECT_EQ(*hour_index_puts_, 2);
  EXPECT_EQ(StoredKeys("a/h/").size(), 2u);
  EXPECT_EQ(Events()->events_size(), 5);
}

TEST_F(AuditTest, AnHourEntryWhoseWriteFailedIsWrittenAgain) {
  ASSERT_TRUE(CreateGhcr().ok());
  now_ += absl::Hours(1);  // A new hour: the create's entry does not cover it.
  *store_fails_ = true;
  EXPECT_EQ(ResolveGhcr().status().code(), absl::StatusCode::kUnavailable);
  *store_fails_ = false;
  ASSERT_TRUE(ResolveGhcr().ok());
  // Had the failed write's entry been remembered as written, this hour would have none.
  EXPECT_EQ(StoredKeys("a/h/").size(), 2u);
  const int stored = Events()->events_size();
  EXPECT_EQ(audit_->PurgeOlderThan(now_ + absl::Hours(1), 100)->events, stored);
  EXPECT_EQ(Events()->events_size(), 0);
}

TEST_F(AuditTest, PurgeStopsAtItsBudgetAndTheNextCallGoesOn) {
  ASSERT_TRUE(CreateGhcr().ok());
  for (int i = 0; i < 6; ++i) {
    now_ += absl::Minutes(1);
    ASSERT_TRUE(ResolveGhcr().ok());
  }
  const absl::Time cutoff = now_ + absl::Hours(1);
  size_t removed = 0;
  int calls = 0;
  for (bool more = true; more; ++calls) {
    absl::StatusOr<AuditLog::Purged> purged = audit_->PurgeOlderThan(cutoff, 3);
    ASSERT_TRUE(purged.ok()) << purged.status();
    EXPECT_LE(purged->events, 3u);
    removed += purged->events;
    more = purged->more;
    ASSERT_LT(calls, 10);
  }
  EXPECT_EQ(removed, 7u);
  EXPECT_GE(calls, 3);
  EXPECT_EQ(Events()->events_size(), 0);
  EXPECT_THAT(StoredKeys("a/h/"), IsEmpty());
}

TEST_F(AuditTest, StoredEventsLeaveOutWhatTheirKeySaysAndListPutsItBack) {
  ASSERT_TRUE(CreateGhcr().ok());
  now_ += absl::Minutes(1);
  ASSERT_TRUE(ResolveGhcr().ok());
  absl::StatusOr<std::vector<storage::KeyValue>> stored = barrier_->Scan("a/e/", "", 100);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), 2u);
  for (const storage::KeyValue& entry : *stored) {
    v1::RegistryEvent event;
    ASSERT_TRUE(event.ParseFromString(entry.value));
    EXPECT_EQ(event.name(), "") << entry.key;
    EXPECT_EQ(event.owner(), "") << entry.key;
    EXPECT_EQ(event.registry(), "") << entry.key;
    EXPECT_NE(event.method(), "") << entry.key;
  }
  // The sink got the whole events.
  ASSERT_FALSE(sink_->events.empty());
  EXPECT_EQ(sink_->events.front().owner(), "users/alice");
  EXPECT_EQ(sink_->events.front().registry(), "users/alice/registries/ghcr");
  EXPECT_THAT(sink_->events.front().name(), HasSubstr("users/alice/registries/ghcr/events/e"));

  auto events = Events();
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->events_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const v1::RegistryEvent& event = events->events(i);
    EXPECT_EQ(event.name(),
              "users/alice/registries/ghcr/events/" +
                  (*stored)[i].key.substr(std::string("a/e/users/alice/ghcr/").size()));
    EXPECT_EQ(event.owner(), "users/alice");
    EXPECT_EQ(event.registry(), "users/alice/registries/ghcr");
  }
  // An event stored whole (as versions before the compact form did) lists the same way.
  const absl::Time later = now_ + absl::Minutes(1);  // The newest: listed first.
  const std::string id = "e" + Hex64(~static_cast<uint64_t>(absl::ToUnixNanos(later))) + "00000002";
  v1::RegistryEvent whole;
  whole.set_name("users/alice/registries/ghcr/events/" + id);
  whole.set_owner("users/alice");
  whole.set_registry("users/alice/registries/ghcr");
  whole.set_method("cloudmanager.registry.v1.RegistryService/UpdateRegistry");
  storage::WriteBatch old;
  old.Put("a/e/users/alice/ghcr/" + id, whole.SerializeAsString());
  ASSERT_TRUE(barrier_->Write(old).ok());
  events = Events();
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->events_size(), 3);
  EXPECT_EQ(events->events(0).SerializeAsString(), whole.SerializeAsString());
}

TEST_F(AuditTest, TheOldPerEventTimeIndexIsStillSwept) {
  // As versions before the hourly index wrote an event: a/e/ plus a/t/{nanos}/{id} → its key.
  const std::string id = "e" + Hex64(~static_cast<uint64_t>(absl::ToUnixNanos(now_))) + "00000001";
  const std::string event_key = "a/e/users/alice/ghcr/" + id;
  v1::RegistryEvent event;
  event.set_name("users/alice/registries/ghcr/events/" + id);
  event.set_method("cloudmanager.registry.v1.RegistryService/CreateRegistry");
  storage::WriteBatch old;
  old.Put(event_key, event.SerializeAsString());
  old.Put("a/t/" + Hex64(static_cast<uint64_t>(absl::ToUnixNanos(now_))) + "/" + id, event_key);
  ASSERT_TRUE(barrier_->Write(old).ok());
  ASSERT_EQ(Events()->events_size(), 1);
  EXPECT_EQ(audit_->PurgeOlderThan(now_ - absl::Hours(1), 100)->events, 0u);
  EXPECT_EQ(audit_->PurgeOlderThan(now_ + absl::Seconds(1), 100)->events, 1u);
  EXPECT_EQ(Events()->events_size(), 0);
  EXPECT_THAT(StoredKeys("a/t/"), IsEmpty());
}

TEST(WrittenHoursTest, KnowsTheCurrentHourOnlyAndStaysBounded) {
  const absl::Time hour = absl::FromUnixSeconds(1'800'000'000);
  WrittenHours written(/*capacity=*/2);
  EXPECT_FALSE(written.Contains(hour, "a/h/1/users/a/"));
  written.Add(hour, "a/h/1/users/a/");
  EXPECT_TRUE(written.Contains(hour, "a/h/1/users/a/"));
  EXPECT_FALSE(written.Contains(hour + absl::Hours(1), "a/h/1/users/a/"));
  // A later hour starts over; a late write of the hour left behind is ignored.
  written.Add(hour + absl::Hours(1), "a/h/2/users/b/");
  EXPECT_FALSE(written.Contains(hour, "a/h/1/users/a/"));
  written.Add(hour, "a/h/1/users/c/");
  EXPECT_FALSE(written.Contains(hour, "a/h/1/users/c/"));
  EXPECT_TRUE(written.Contains(hour + absl::Hours(1), "a/h/2/users/b/"));
  // Past its capacity it forgets what it had and keeps the new one.
  written.Add(hour + absl::Hours(1), "a/h/2/users/c/");
  written.Add(hour + absl::Hours(1), "a/h/2/users/d/");
  EXPECT_FALSE(written.Contains(hour + absl::Hours(1), "a/h/2/users/b/"));
  EXPECT_TRUE(written.Contains(hour + absl::Hours(1), "a/h/2/users/d/"));
}

TEST(AuditKeysTest, HourStartRoundsDownAndIndexKeysReadBack) {
  const absl::Time hour = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(HourStart(hour), hour);
  EXPECT_EQ(HourStart(hour + absl::Minutes(59) + absl::Seconds(59)), hour);
  EXPECT_EQ(HourStart(absl::FromUnixSeconds(-1)), absl::FromUnixSeconds(-3600));
  const std::string key = HourIndexKey(hour, *core::ParseOwnerName("groups/ops", "parent"));
  EXPECT_EQ(key, "a/h/" + Hex64(1'800'000'000ULL * 1'000'000'000ULL) + "/groups/ops/");
  std::optional<HourIndexEntry> entry = ParseHourIndexKey(key);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->hour_start, hour);
  EXPECT_EQ(entry->events_prefix, "a/e/groups/ops/");
  EXPECT_FALSE(ParseHourIndexKey("a/h/xyz/groups/ops/").has_value());
  EXPECT_FALSE(ParseHourIndexKey("a/e/groups/ops/").has_value());
}

TEST_F(AuditTest, EventsPageWithTokens) {
  ASSERT_TRUE(CreateGhcr().ok());
  for (int i = 0; i < 4; ++i) {
    now_ += absl::Seconds(1);
    ASSERT_TRUE(ResolveGhcr().ok());
  }
  v1::ListRegistryEventsRequest request;
  request.set_parent("users/alice/registries/ghcr");
  request.set_page_size(2);
  std::vector<std::string> methods;
  int pages = 0;
  do {
    auto page = manager_->ListRegistryEvents(alice_, request);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& event : page->events()) methods.push_back(event.method());
    request.set_page_token(page->next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(methods.size(), 5u);
  EXPECT_EQ(methods.back(), "cloudmanager.registry.v1.RegistryService/CreateRegistry");
  // Strangers may not read it.
  Call bob;
  bob.caller.subject = "bob";
  bob.caller.scopes = {"registry.read"};
  request.clear_page_token();
  EXPECT_EQ(manager_->ListRegistryEvents(bob, request).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace registry::service
