// RegistryManager over a sealed in-memory store with an injected clock and randomness: the
// parts of the use cases that integration tests cannot see (what is stored, exact times).
#include "server/service/registry_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/seal/master_key.h"
#include "server/seal/sealed_barrier.h"
#include "server/service/timestamps.h"
#include "storage/memory/memory_kv_store.h"
#include "tests/service/gated_store.h"

namespace registry::service {
namespace {

using ::testing::IsEmpty;

constexpr char kMasterKey[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

class RegistryManagerTest : public ::testing::Test {
 protected:
  RegistryManagerTest() {
    auto keys = seal::ParseMasterKeys(kMasterKey);
    auto barrier =
        seal::OpenSealedBarrier(std::make_unique<storage::MemoryKvStore>(), *std::move(keys));
    barrier_ = *std::move(barrier);
    audit_ = std::make_unique<AuditLog>(*barrier_, nullptr, [this] { return now_; });
    manager_ = std::make_unique<RegistryManager>(
        *barrier_, *audit_,
        RegistryManagerOptions{.max_registries_per_owner = 5,
                               .clock = [this] { return now_; },
                               .random = [] { return uint64_t{42}; }});
    alice_.caller.subject = "alice";
    alice_.caller.scopes = {"registry.read", "registry.write"};
    alice_.request_id = "req-1";
  }

  v1::Registry StoredRecord(const std::string& id) {
    auto bytes = barrier_->Get("r/users/alice/" + id);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    v1::Registry record;
    EXPECT_TRUE(record.ParseFromString(bytes.value_or("")));
    return record;
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  seal::BarrierPtr barrier_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<RegistryManager> manager_;
  Call alice_;
};

TEST_F(RegistryManagerTest, JsonTokenIsStoredByteExact) {
  const std::string json = "{\n  \"type\": \"service_account\",\r\n  \"k\": \"\\u00e9\"\n}\n\n";
  v1::CreateRegistryRequest request;
  request.set_parent("users/alice");
  request.set_registry_id("gcr");
  request.mutable_registry()->set_display_name("GCR");
  request.mutable_registry()->set_server("gcr.io");
  request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_JSON_TOKEN);
  request.mutable_registry()->set_json_token(json);
  auto created = manager_->CreateRegistry(alice_, request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_THAT(created->json_token(), IsEmpty());
  EXPECT_EQ(StoredRecord("gcr").json_token(), json);
  EXPECT_EQ(StoredRecord("gcr").username(), "_json_key");
}

TEST_F(RegistryManagerTest, TimesComeFromTheInjectedClock) {
  v1::CreateRegistryRequest request;
  request.set_parent("users/alice");
  request.mutable_registry()->set_display_name("Quay");
  request.mutable_registry()->set_server("quay.io");
  request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  request.mutable_registry()->set_username("robot");
  request.mutable_registry()->set_password("pw");
  auto created = manager_->CreateRegistry(alice_, request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(FromProtoTimestamp(created->create_time()), now_);
  EXPECT_EQ(FromProtoTimestamp(created->secret_update_time()), now_);
  // The id comes from the injected randomness: deterministic.
  EXPECT_EQ(created->name(), "users/alice/registries/reg-gbaaaaaaaa");

  now_ += absl::Minutes(5);
  v1::UpdateRegistryRequest update;
  update.mutable_registry()->set_name(created->name());
  update.mutable_registry()->set_username("robot2");
  update.mutable_update_mask()->add_paths("username");
  auto updated = manager_->UpdateRegistry(alice_, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(FromProtoTimestamp(updated->update_time()), now_);
  EXPECT_EQ(FromProtoTimestamp(updated->secret_update_time()), now_ - absl::Minutes(5));
  EXPECT_EQ(FromProtoTimestamp(updated->create_time()), now_ - absl::Minutes(5));
  EXPECT_EQ(StoredRecord(created->name().substr(created->name().rfind('/') + 1)).password(), "pw");
}

TEST_F(RegistryManagerTest, SwitchingToNoneDropsTheStoredSecret) {
  v1::CreateRegistryRequest request;
  request.set_parent("users/alice");
  request.set_registry_id("quay");
  request.mutable_registry()->set_display_name("Quay");
  request.mutable_registry()->set_server("quay.io");
  request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  request.mutable_registry()->set_username("robot");
  request.mutable_registry()->set_password("pw");
  ASSERT_TRUE(manager_->CreateRegistry(alice_, request).ok());
  v1::UpdateRegistryRequest update;
  update.mutable_registry()->set_name("users/alice/registries/quay");
  update.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_NONE);
  update.mutable_update_mask()->add_paths("credential_type");
  update.mutable_update_mask()->add_paths("username");
  auto updated = manager_->UpdateRegistry(alice_, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->secret_set());
  EXPECT_FALSE(updated->has_secret_update_time());
  EXPECT_THAT(StoredRecord("quay").password(), IsEmpty());
}

TEST(RegistryManagerAsyncTest, CreatesWaitForTheirWriteWithoutHoldingTheCaller) {
  auto [gate, barrier] = OpenGatedBarrier(kMasterKey);
  AuditLog audit(*barrier, nullptr, [] { return absl::FromUnixSeconds(1'800'000'000); });
  RegistryManager manager(*barrier, audit, RegistryManagerOptions{.max_registries_per_owner = 1});
  Call alice;
  alice.caller.subject = "alice";
  alice.caller.scopes = {"registry.read", "registry.write"};
  auto request = [](const std::string& id) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id(id);
    request.mutable_registry()->set_display_name(id);
    request.mutable_registry()->set_server("ghcr.io");
    request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_NONE);
    return request;
  };

  gate->Close();  // Every store write now waits.
  absl::Notification first_done, second_done;
  absl::StatusOr<v1::Registry> first, second;
  // Both calls return while their writes cannot complete: no thread is held per create.
  manager.CreateRegistryAsync(alice, request("first"),
                              Answer<v1::Registry>::Collect([&](absl::StatusOr<v1::Registry> r) {
                                first = std::move(r);
                                first_done.Notify();
                              }));
  manager.CreateRegistryAsync(alice, request("second"),
                              Answer<v1::Registry>::Collect([&](absl::StatusOr<v1::Registry> r) {
                                second = std::move(r);
                                second_done.Notify();
                              }));
  EXPECT_FALSE(first_done.HasBeenNotified());
  EXPECT_FALSE(second_done.HasBeenNotified());

  gate->Open();
  first_done.WaitForNotification();
  second_done.WaitForNotification();
  // The second create of the owner waited for the first to be durable before checking the
  // limit of 1: it sees the first registry and is refused.
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->name(), "users/alice/registries/first");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted) << second.status();

  // Update and delete the same way: both return at once; the delete, queued behind the update,
  // runs once the update is durable and removes what the update wrote.
  gate->Close();
  absl::Notification updated_done, deleted_done;
  absl::StatusOr<v1::Registry> updated;
  absl::Status deleted = absl::UnknownError("not run");
  v1::UpdateRegistryRequest update;
  update.mutable_registry()->set_name("users/alice/registries/first");
  update.mutable_registry()->set_display_name("renamed");
  update.mutable_update_mask()->add_paths("display_name");
  manager.UpdateRegistryAsync(alice, update,
                              Answer<v1::Registry>::Collect([&](absl::StatusOr<v1::Registry> r) {
                                updated = std::move(r);
                                updated_done.Notify();
                              }));
  v1::DeleteRegistryRequest remove;
  remove.set_name("users/alice/registries/first");
  manager.DeleteRegistryAsync(alice, remove, [&](absl::Status s) {
    deleted = std::move(s);
    deleted_done.Notify();
  });
  EXPECT_FALSE(updated_done.HasBeenNotified());
  EXPECT_FALSE(deleted_done.HasBeenNotified());
  gate->Open();
  updated_done.WaitForNotification();
  deleted_done.WaitForNotification();
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "renamed");
  EXPECT_TRUE(deleted.ok()) << deleted;
  v1::GetRegistryRequest get;
  get.set_name("users/alice/registries/first");
  EXPECT_EQ(manager.GetRegistry(alice, get).status().code(), absl::StatusCode::kNotFound);
}

// The answer of a write is prepared on the calling thread, without secrets, before the write
// is durable (a transport encodes it there); it is released only once the write is durable.
TEST(RegistryManagerAsyncTest, AnswersArePreparedOnTheCallingThreadBeforeTheWriteIsDurable) {
  auto [gate, barrier] = OpenGatedBarrier(kMasterKey);
  AuditLog audit(*barrier, nullptr);
  RegistryManager manager(*barrier, audit, RegistryManagerOptions{});
  Call alice;
  alice.caller.subject = "alice";
  alice.caller.scopes = {"registry.read", "registry.write"};
  v1::CreateRegistryRequest request;
  request.set_parent("users/alice");
  request.set_registry_id("ghcr");
  request.mutable_registry()->set_display_name("GitHub");
  request.mutable_registry()->set_server("ghcr.io");
  request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  request.mutable_registry()->set_username("alice");
  request.mutable_registry()->set_password("hunter2");

  gate->Close();
  std::optional<v1::Registry> prepared;
  std::thread::id prepared_on;
  absl::Notification finished;
  absl::Status outcome = absl::UnknownError("not finished");
  manager.CreateRegistryAsync(alice, request,
                              Answer<v1::Registry>{[&](v1::Registry& answer) {
                                                     prepared = answer;
                                                     prepared_on = std::this_thread::get_id();
                                                   },
                                                   [&](absl::Status status) {
                                                     outcome = std::move(status);
                                                     finished.Notify();
                                                   }});
  ASSERT_TRUE(prepared.has_value());
  EXPECT_EQ(prepared_on, std::this_thread::get_id());
  EXPECT_EQ(prepared->name(), "users/alice/registries/ghcr");
  EXPECT_TRUE(prepared->secret_set());
  EXPECT_THAT(prepared->password(), IsEmpty());
  EXPECT_FALSE(finished.HasBeenNotified());  // Not durable yet: not released.

  gate->Open();
  finished.WaitForNotification();
  EXPECT_TRUE(outcome.ok()) << outcome;
  v1::GetRegistryRequest get;
  get.set_name("users/alice/registries/ghcr");
  absl::StatusOr<v1::Registry> stored = manager.GetRegistry(alice, get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->etag(), prepared->etag());
}

}  // namespace
}  // namespace registry::service
