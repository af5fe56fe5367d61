// Online backups under write load, restored offline with `registryd restore`: the restored
// store holds every write acknowledged before the backup began, nothing that was never
// acknowledged, and its secrets open with the same master key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "tests/support/server_harness.h"
#include "tests/support/subprocess.h"

namespace registry::testing {
namespace {

grpc::Status CreateNumbered(v1::RegistryService::Stub& stub, const std::string& token, int n) {
  v1::CreateRegistryRequest request;
  request.set_parent("users/alice");
  request.set_registry_id("r" + std::to_string(n));
  request.mutable_registry()->set_display_name("r");
  request.mutable_registry()->set_server("registry.example.com/r" + std::to_string(n));
  request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  request.mutable_registry()->set_username("u");
  request.mutable_registry()->set_password("pw-" + std::to_string(n));
  v1::Registry response;
  return stub.CreateRegistry(AuthContext(token).get(), request, &response);
}

TEST(BackupTest, BackupUnderLoadRestoresExactlyTheAcknowledgedState) {
  TempDir backups;
  ServerHarness server([&](app::ServerConfig& config) {
    config.backup_dir = backups.File("b");
    config.max_registries_per_owner = 100000;
  });
  const std::string alice = server.UserToken("alice");
  std::mutex mu;
  std::set<int> acknowledged;
  std::atomic<int> next{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      auto stub = server.RegistryStub();
      while (!stop.load()) {
        const int n = next++;
        if (CreateNumbered(*stub, alice, n).ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert(n);
        }
      }
    });
  }
  while (next.load() < 40) absl::SleepFor(absl::Milliseconds(5));

  std::set<int> before;  // Acknowledged before the backup call began.
  {
    std::lock_guard<std::mutex> lock(mu);
    before = acknowledged;
  }
  const int issued_by_end_bound = next.load();  // Grows during the call; bounded below.
  auto admin = v1::AdminService::NewStub(server.channel());
  v1::CreateBackupResponse backup;
  grpc::Status status = admin->CreateBackup(
      AuthContext(server.Token("operator", "registry.admin")).get(), {}, &backup);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::set<int> by_end;
  {
    std::lock_guard<std::mutex> lock(mu);
    by_end = acknowledged;
  }
  stop = true;
  for (auto& writer : writers) writer.join();
  EXPECT_GT(backup.size_bytes(), 0u);
  EXPECT_GE(backup.backup_id(), 1u);
  (void)issued_by_end_bound;

  // Restore offline with the binary, into a new dir, then serve it with the same keys.
  TempDir restored_root;
  const std::string restored = restored_root.File("data");
  Subprocess restore(
      {REGISTRYD_PATH, "restore", "--from=" + backups.File("b"), "--data-dir=" + restored,
       "--backup-id=" + std::to_string(backup.backup_id())},
      {}, restored_root.File("restore.log"));
  ASSERT_EQ(restore.Wait(absl::Seconds(60)), 0) << restore.Log();
  // Restoring over an existing database is refused.
  Subprocess again(
      {REGISTRYD_PATH, "restore", "--from=" + backups.File("b"), "--data-dir=" + restored}, {},
      restored_root.File("again.log"));
  EXPECT_EQ(again.Wait(absl::Seconds(60)), 1);
  EXPECT_THAT(again.Log(), ::testing::HasSubstr("not empty"));

  server.Stop();
  ServerHarness copy([&](app::ServerConfig& config) {
    config.data_dir = restored;
    config.master_key_file = server.config().master_key_file;
  });
  auto stub = copy.RegistryStub();
  v1::ListRegistriesRequest list;
  list.set_parent("users/alice");
  list.set_page_size(1000);
  std::set<int> present;
  std::string token;
  do {
    v1::ListRegistriesResponse page;
    list.set_page_token(token);
    ASSERT_TRUE(stub->ListRegistries(AuthContext(copy.UserToken("alice")).get(), list, &page).ok());
    for (const auto& registry : page.registries()) {
      if (registry.global()) continue;
      present.insert(std::stoi(registry.name().substr(registry.name().rfind("/r") + 2)));
    }
    token = page.next_page_token();
  } while (!token.empty());
  for (int n : before) EXPECT_TRUE(present.count(n)) << "acknowledged before the backup: r" << n;
  for (int n : present) EXPECT_TRUE(by_end.count(n)) << "never acknowledged by the end: r" << n;

  // Secrets open with the same master key.
  auto credentials = v1::CredentialService::NewStub(copy.channel());
  v1::ResolveCredentialsRequest request;
  request.set_owner("users/alice");
  for (int n : before) request.add_images("registry.example.com/r" + std::to_string(n) + "/app");
  request.set_action(v1::ACTION_PULL);
  v1::ResolveCredentialsResponse response;
  ASSERT_TRUE(credentials
                  ->ResolveCredentials(AuthContext(copy.Token("d", "credentials.resolve")).get(),
                                       request, &response)
                  .ok());
  int i = 0;
  for (int n : before) EXPECT_EQ(response.credentials(i++).password(), "pw-" + std::to_string(n));
}

TEST(BackupTest, WithoutBackupDirCreateBackupIsFailedPrecondition) {
  ServerHarness server;
  auto admin = v1::AdminService::NewStub(server.channel());
  v1::CreateBackupResponse backup;
  EXPECT_EQ(
      admin
          ->CreateBackup(AuthContext(server.Token("operator", "registry.admin")).get(), {}, &backup)
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      admin->CreateBackup(AuthContext(server.UserToken("alice")).get(), {}, &backup).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace registry::testing
