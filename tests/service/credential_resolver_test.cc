// CredentialResolver over a sealed in-memory store: what integration tests cannot reach, such
// as a stored record that no longer opens.
#include "server/service/credential_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "server/core/registry_index.h"
#include "server/seal/master_key.h"
#include "server/seal/sealed_barrier.h"
#include "server/service/registry_indexes.h"
#include "server/service/registry_manager.h"
#include "storage/memory/memory_kv_store.h"
#include "tests/service/gated_store.h"

namespace registry::service {
namespace {

constexpr char kMasterKey[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

class CredentialResolverTest : public ::testing::Test {
 protected:
  CredentialResolverTest() {
    auto store = std::make_unique<storage::MemoryKvStore>();
    raw_store_ = store.get();
    barrier_ = *seal::OpenSealedBarrier(std::move(store), *seal::ParseMasterKeys(kMasterKey));
    audit_ = std::make_unique<AuditLog>(*barrier_, nullptr);
    // Wired like registryd: the manager invalidates the resolver's index cache.
    manager_ = std::make_unique<RegistryManager>(*barrier_, *audit_,
                                                 RegistryManagerOptions{.index_cache = &cache_});
    resolver_ = std::make_unique<CredentialResolver>(*barrier_, *audit_, &cache_);
    resolver_call_.caller.subject = "deployer";
    resolver_call_.caller.scopes = {"credentials.resolve"};
  }

  void Define(const std::string& user, const std::string& id, const std::string& server) {
    Call owner;
    owner.caller.subject = user;
    owner.caller.scopes = {"registry.write"};
    v1::CreateRegistryRequest request;
    request.set_parent("users/" + user);
    request.set_registry_id(id);
    request.mutable_registry()->set_display_name(id);
    request.mutable_registry()->set_server(server);
    request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
    request.mutable_registry()->set_username("u");
    request.mutable_registry()->set_password("p");
    ASSERT_TRUE(manager_->CreateRegistry(owner, request).ok());
  }

  absl::StatusOr<v1::ResolveCredentialsResponse> Resolve(const std::string& owner,
                                                         const std::string& image) {
    v1::ResolveCredentialsRequest request;
    request.set_owner(owner);
    request.add_images(image);
    request.set_action(v1::ACTION_PULL);
    return resolver_->ResolveCredentials(resolver_call_, request);
  }

  // Replaces the stored bytes under `key` underneath the barrier.
  void Tamper(const std::string& key) {
    auto sealed = raw_store_->Get(key);
    ASSERT_TRUE(sealed.ok()) << key;
    std::string tampered = *sealed;
    tampered.back() ^= 0x01;
    storage::WriteBatch batch;
    batch.Put(key, tampered);
    ASSERT_TRUE(raw_store_->Write(batch).ok());
  }

  // A restart: a new resolver with an empty cache over the same store.
  void Restart() {
    fresh_cache_ = std::make_unique<OwnerIndexCache>(16, 1 << 20);
    resolver_ = std::make_unique<CredentialResolver>(*barrier_, *audit_, fresh_cache_.get());
  }

  storage::MemoryKvStore* raw_store_ = nullptr;
  OwnerIndexCache cache_{64, 1 << 20};
  std::unique_ptr<OwnerIndexCache> fresh_cache_;
  seal::BarrierPtr barrier_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<RegistryManager> manager_;
  std::unique_ptr<CredentialResolver> resolver_;
  Call resolver_call_;
};

TEST_F(CredentialResolverTest, ARecordThatFailsToOpenIsDataLossAndOthersKeepServing) {
  Define("alice", "ghcr", "ghcr.io");
  Define("bob", "ghcr", "ghcr.io");
  // Flip one byte of Alice's sealed record underneath the barrier.
  auto sealed = raw_store_->Get("r/users/alice/ghcr");
  ASSERT_TRUE(sealed.ok());
  std::string tampered = *sealed;
  tampered.back() ^= 0x01;
  storage::WriteBatch batch;
  batch.Put("r/users/alice/ghcr", tampered);
  ASSERT_TRUE(raw_store_->Write(batch).ok());

  auto broken = Resolve("users/alice", "ghcr.io/x/y");
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(broken.status().message(), ::testing::Not(::testing::HasSubstr("\"p\"")));
  auto fine = Resolve("users/bob", "ghcr.io/x/y");
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->credentials(0).registry(), "users/bob/registries/ghcr");
}

TEST_F(CredentialResolverTest, OnlyTheRecordsThatAnswerAreOpened) {
  Define("alice", "ghcr", "ghcr.io");
  Define("alice", "quay", "quay.io");
  Tamper("r/users/alice/quay");
  // The index says quay.io does not match ghcr.io images: its record is never opened.
  auto fine = Resolve("users/alice", "ghcr.io/x/y");
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->credentials(0).registry(), "users/alice/registries/ghcr");
  EXPECT_EQ(Resolve("users/alice", "quay.io/x/y").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(CredentialResolverTest, AnIndexThatFailsToOpenIsDataLoss) {
  Define("alice", "ghcr", "ghcr.io");
  Tamper("x/users/alice/");
  EXPECT_EQ(Resolve("users/alice", "ghcr.io/x/y").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(CredentialResolverTest, TheIndexFollowsUpdatesAndDeletes) {
  Call alice;
  alice.caller.subject = "alice";
  alice.caller.scopes = {"registry.write"};
  Define("alice", "team", "ghcr.io/team");
  Define("alice", "any", "ghcr.io");
  // Most specific first, whatever the creation order.
  EXPECT_EQ(Resolve("users/alice", "ghcr.io/team/app")->credentials(0).registry(),
            "users/alice/registries/team");

  v1::UpdateRegistryRequest update;
  update.mutable_registry()->set_name("users/alice/registries/team");
  update.mutable_registry()->set_server("quay.io/team");
  update.mutable_update_mask()->add_paths("server");
  ASSERT_TRUE(manager_->UpdateRegistry(alice, update).ok());
  EXPECT_EQ(Resolve("users/alice", "ghcr.io/team/app")->credentials(0).registry(),
            "users/alice/registries/any");
  EXPECT_EQ(Resolve("users/alice", "quay.io/team/app")->credentials(0).registry(),
            "users/alice/registries/team");

  v1::DeleteRegistryRequest remove;
  remove.set_name("users/alice/registries/any");
  ASSERT_TRUE(manager_->DeleteRegistry(alice, remove).ok());
  EXPECT_TRUE(Resolve("users/alice", "ghcr.io/team/app")->credentials(0).anonymous());
  remove.set_name("users/alice/registries/team");
  ASSERT_TRUE(manager_->DeleteRegistry(alice, remove).ok());
  // The last delete removes the index itself.
  EXPECT_EQ(raw_store_->Get("x/users/alice/").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CredentialResolverTest, MissingIndexesAreRebuiltAtStartup) {
  Define("alice", "ghcr", "ghcr.io");
  Define("alice", "team", "ghcr.io/team");
  Define("bob", "quay", "quay.io");
  // A data dir from before indexes existed: records only.
  storage::WriteBatch old_format;
  old_format.Delete("x/users/alice/");
  old_format.Delete("x/users/bob/");
  old_format.Delete(std::string(core::kRegistryIndexesReadyKey));
  ASSERT_TRUE(raw_store_->Write(old_format).ok());
  EXPECT_TRUE(Resolve("users/alice", "ghcr.io/team/app")->credentials(0).anonymous());

  ASSERT_TRUE(EnsureRegistryIndexes(*barrier_).ok());
  Restart();  // EnsureRegistryIndexes runs at startup, before anything is cached.
  EXPECT_EQ(Resolve("users/alice", "ghcr.io/team/app")->credentials(0).registry(),
            "users/alice/registries/team");
  EXPECT_EQ(Resolve("users/alice", "ghcr.io/other/app")->credentials(0).registry(),
            "users/alice/registries/ghcr");
  EXPECT_EQ(Resolve("users/bob", "quay.io/x")->credentials(0).registry(),
            "users/bob/registries/quay");
  // Once ready, the marker makes later starts a single point read that changes nothing.
  ASSERT_TRUE(raw_store_->Get(std::string(core::kRegistryIndexesReadyKey)).ok());
  Tamper("x/users/bob/");
  ASSERT_TRUE(EnsureRegistryIndexes(*barrier_).ok());
  Restart();
  EXPECT_EQ(Resolve("users/bob", "quay.io/x").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(CredentialResolverTest, CachedIndexesServeUntilTheOwnerWrites) {
  Define("alice", "ghcr", "ghcr.io");
  ASSERT_TRUE(Resolve("users/alice", "ghcr.io/x/y").ok());  // Caches Alice's index.
  storage::WriteBatch remove_index;
  remove_index.Delete("x/users/alice/");
  ASSERT_TRUE(raw_store_->Write(remove_index).ok());
  // Served from the cache: the stored index is not read again.
  EXPECT_EQ(Resolve("users/alice", "ghcr.io/x/y")->credentials(0).registry(),
            "users/alice/registries/ghcr");
  // A write of the owner drops the cached copy: the next resolve reads the index the write
  // stored, which names the new registry (and ghcr: the manager carries the owner's index from
  // its previous write, it does not re-read what was removed behind its back).
  Define("alice", "quay", "quay.io");
  EXPECT_EQ(Resolve("users/alice", "quay.io/x/y")->credentials(0).registry(),
            "users/alice/registries/quay");
  EXPECT_EQ(Resolve("users/alice", "ghcr.io/x/y")->credentials(0).registry(),
            "users/alice/registries/ghcr");
}

TEST_F(CredentialResolverTest, ARecordDeletedMidCallIsRetriedWithTheNewIndex) {
  Define("alice", "ghcr", "ghcr.io");
  ASSERT_TRUE(Resolve("users/alice", "ghcr.io/x/y").ok());  // Caches Alice's index.
  // A concurrent delete as the resolver sees it between the delete's write and its cache
  // invalidation: the record and its index entry are gone from the store, the cache still
  // names the record.
  storage::WriteBatch deleted;
  deleted.Delete("r/users/alice/ghcr");
  deleted.Delete("x/users/alice/");
  ASSERT_TRUE(raw_store_->Write(deleted).ok());
  // The first attempt finds no record (ABORTED inside); the retry drops the stale cached index
  // and answers from the stored one, which no longer names ghcr.
  absl::StatusOr<v1::ResolveCredentialsResponse> answer = Resolve("users/alice", "ghcr.io/x/y");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_TRUE(answer->credentials(0).anonymous());
}

TEST_F(CredentialResolverTest, ARecordThatKeepsVanishingIsUnavailable) {
  Define("alice", "ghcr", "ghcr.io");
  // The stored index names a record that is not there on any attempt.
  storage::WriteBatch deleted;
  deleted.Delete("r/users/alice/ghcr");
  ASSERT_TRUE(raw_store_->Write(deleted).ok());
  absl::StatusOr<v1::ResolveCredentialsResponse> answer = Resolve("users/alice", "ghcr.io/x/y");
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(answer.status().message(), ::testing::HasSubstr("kept changing"));
}

TEST_F(CredentialResolverTest, WipeSecretsOverwritesEverySecretOfAnAnswer) {
  Define("alice", "ghcr", "ghcr.io");
  absl::StatusOr<v1::ResolveCredentialsResponse> answer = Resolve("users/alice", "ghcr.io/x/y");
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_EQ(answer->credentials(0).password(), "p");
  ASSERT_THAT(answer->docker_config_json(), ::testing::HasSubstr("\"p\""));
  CredentialResolver::WipeSecrets(*answer);
  EXPECT_THAT(answer->credentials(0).password(), ::testing::Not(::testing::HasSubstr("p")));
  EXPECT_THAT(answer->docker_config_json(), ::testing::Not(::testing::HasSubstr("\"p\"")));
  EXPECT_EQ(answer->credentials(0).username(), "u");  // Not a secret: left as it was.
}

TEST_F(CredentialResolverTest, ValidationComesBeforeThePermissionCheck) {
  Call nobody;
  nobody.caller.subject = "nobody";
  v1::ResolveCredentialsRequest request;
  request.set_owner("users/../x");
  request.add_images("nginx");
  request.set_action(v1::ACTION_PULL);
  EXPECT_EQ(resolver_->ResolveCredentials(nobody, request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_owner("users/alice");
  EXPECT_EQ(resolver_->ResolveCredentials(nobody, request).status().code(),
            absl::StatusCode::kPermissionDenied);
}

// The answer is prepared (encoded, by a transport) on the calling thread, secrets included,
// and wiped there afterwards; it is released only once its audit events are durable.
TEST(CredentialResolverAsyncTest, TheAnswerIsPreparedOnTheCallingThreadAndReleasedWhenAudited) {
  auto [gate, barrier] = OpenGatedBarrier(kMasterKey);
  AuditLog audit(*barrier, nullptr);
  RegistryManager manager(*barrier, audit, RegistryManagerOptions{});
  CredentialResolver resolver(*barrier, audit);
  Call owner;
  owner.caller.subject = "alice";
  owner.caller.scopes = {"registry.write"};
  v1::CreateRegistryRequest create;
  create.set_parent("users/alice");
  create.set_registry_id("ghcr");
  create.mutable_registry()->set_display_name("GitHub");
  create.mutable_registry()->set_server("ghcr.io");
  create.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  create.mutable_registry()->set_username("alice");
  create.mutable_registry()->set_password("hunter2");
  ASSERT_TRUE(manager.CreateRegistry(owner, create).ok());

  Call deployer;
  deployer.caller.subject = "deployer";
  deployer.caller.scopes = {"credentials.resolve"};
  v1::ResolveCredentialsRequest request;
  request.set_owner("users/alice");
  request.add_images("ghcr.io/alice/app:1");
  request.set_action(v1::ACTION_PULL);
  gate->Close();  // The audit events cannot become durable.
  std::string prepared_password;
  std::thread::id prepared_on;
  v1::ResolveCredentialsResponse* prepared_at = nullptr;
  absl::Notification finished;
  absl::Status outcome = absl::UnknownError("not finished");
  resolver.ResolveCredentialsAsync(
      deployer, request,
      Answer<v1::ResolveCredentialsResponse>{[&](v1::ResolveCredentialsResponse& answer) {
                                               ASSERT_EQ(answer.credentials_size(), 1);
                                               prepared_password = answer.credentials(0).password();
                                               prepared_on = std::this_thread::get_id();
                                               prepared_at = &answer;
                                             },
                                             [&](absl::Status status) {
                                               outcome = std::move(status);
                                               finished.Notify();
                                             }});
  EXPECT_EQ(prepared_password, "hunter2");
  EXPECT_EQ(prepared_on, std::this_thread::get_id());
  EXPECT_NE(prepared_at, nullptr);
  EXPECT_FALSE(finished.HasBeenNotified());  // Not audited yet: not released.

  gate->Open();
  finished.WaitForNotification();
  EXPECT_TRUE(outcome.ok()) << outcome;
}

}  // namespace
}  // namespace registry::service
