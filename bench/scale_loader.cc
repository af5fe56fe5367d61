// registry-scale-loader: builds the issue-6 scale data set offline (see README.md, "Scale
// benchmark"), through the real write path: RocksDbKvStore → seal::OpenSealedBarrier →
// service::AuditLog (no sink) → service::RegistryManager::CreateRegistry, one call per registry,
// as the owner itself with scope registry.write. Owners are users/bench-0..N-1 and each gets
// reg-0..K-1 (server registry-J.bench.example.com, username/password), exactly the registries
// `registry-bench --preload` creates, so registry-bench's Resolve/List/Get requests match.
//
// RocksDB runs with sync_writes = false (bulk load); at the end the memtables are flushed, the
// WAL synced and (by default) the whole key range compacted, so the data dir is durable and
// settled before registryd opens it. Idempotent: ALREADY_EXISTS counts as "already there", so an
// interrupted load can be resumed. Exits 0 only when every registry exists.
//
// --compact-only flushes and compacts an existing data dir (scripts/bench-scale.sh runs it after
// the first registryd start on a fresh data set, so one-time start-up writes leave no
// compaction debt behind).
//
// Last mode, for scripts/bench-scale.sh: --wait-serving=HOST:PORT polls grpc.health.v1
// Health/Check (service "") every few milliseconds until it answers SERVING, then prints the
// wall-clock time of that answer as Unix nanoseconds (exit 1 on --timeout). registryctl has no
// health command, and a gRPC channel's reconnect backoff (1 s and up) would blur a
// time-to-SERVING measurement, so every attempt uses a fresh channel.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cloudmanager/registry/v1/registry_service.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "server/app/flag_names.h"
#include "server/auth/principal.h"
#include "server/seal/master_key.h"
#include "server/seal/sealed_barrier.h"
#include "server/service/audit_log.h"
#include "server/service/call.h"
#include "server/service/registry_indexes.h"
#include "server/service/registry_manager.h"
#include "storage/rocksdb/rocksdb_kv_store.h"

ABSL_FLAG(std::string, data_dir, "", "registryd data dir to load into (created if missing)");
ABSL_FLAG(std::string, master_key_file, "", "the master key file registryd will be started with");
ABSL_FLAG(int, owners, 100000, "owners users/bench-0..N-1");
ABSL_FLAG(int, first_owner, 0, "number of the first owner (to extend a data set)");
ABSL_FLAG(int, registries_per_owner, 10, "registries reg-0..K-1 per owner");
ABSL_FLAG(int, threads, 2, "loader threads (each works on whole owners)");
ABSL_FLAG(bool, compact, true, "compact the whole key range at the end");
ABSL_FLAG(bool, compact_only, false,
          "only flush and compact --data-dir (no master key needed), e.g. after a first "
          "registryd start on the loaded data set");
ABSL_FLAG(absl::Duration, progress_interval, absl::Seconds(10), "progress line interval");
ABSL_FLAG(std::string, wait_serving, "", "HOST:PORT: wait until Health/Check says SERVING");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(120), "--wait-serving: give up after this");
ABSL_FLAG(int, wait_pid, 0, "--wait-serving: fail as soon as this process (the server) is gone");

namespace {

namespace v1 = ::cloudmanager::registry::v1;
namespace health = ::grpc::health::v1;
using registry::service::Call;

int64_t UnixNanos() { return absl::ToUnixNanos(absl::Now()); }

int WaitServing(const std::string& address, absl::Duration timeout, int pid) {
  const absl::Time give_up = absl::Now() + timeout;
  int attempts = 0;
  std::string last_error = "no attempt";
  while (absl::Now() < give_up) {
    // Another server answering on a reused port must not pass for ours.
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
      std::cerr << "registry-scale-loader: process " << pid << " exited before " << address
                << " was SERVING\n";
      return 1;
    }
    ++attempts;
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 5);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 20);
    auto stub = health::Health::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    health::HealthCheckRequest request;
    health::HealthCheckResponse response;
    grpc::Status status = stub->Check(&ctx, request, &response);
    if (status.ok() && response.status() == health::HealthCheckResponse::SERVING) {
      std::cout << UnixNanos() << std::endl;
      std::cerr << "registry-scale-loader: " << address << " SERVING after " << attempts
                << " attempt(s)\n";
      return 0;
    }
    last_error = status.ok() ? absl::StrCat("status ", static_cast<int>(response.status()))
                             : absl::StrCat(static_cast<int>(status.error_code()), " ",
                                            status.error_message());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::cerr << "registry-scale-loader: " << address << " not SERVING after "
            << absl::FormatDuration(timeout) << " (" << attempts
            << " attempts, last: " << last_error << ")\n";
  return 1;
}

// The CreateRegistryRequest of registry-bench --preload for owner bench-`owner`, registry j.
v1::CreateRegistryRequest CreateRequest(int owner, int j) {
  v1::CreateRegistryRequest request;
  request.set_parent(absl::StrCat("users/bench-", owner));
  request.set_registry_id(absl::StrCat("reg-", j));
  v1::Registry* r = request.mutable_registry();
  r->set_display_name(absl::StrCat("Bench registry ", j));
  r->set_server(absl::StrCat("registry-", j, ".bench.example.com"));
  r->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  r->set_username(absl::StrCat("robot-", j));
  r->set_password(absl::StrCat("s3cret-password-for-bench-registry-", j));
  return request;
}

struct Progress {
  std::atomic<int64_t> created{0};
  std::atomic<int64_t> existing{0};
  std::atomic<int> next_owner{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  std::string first_error ABSL_GUARDED_BY(mu);
};

void LoadOwners(registry::service::RegistryManager& manager, int first_owner, int owners,
                int per_owner, Progress& progress) {
  while (!progress.failed.load(std::memory_order_relaxed)) {
    const int o = progress.next_owner.fetch_add(1);
    if (o >= owners) return;
    const int owner = first_owner + o;
    Call call;
    call.caller.subject = absl::StrCat("bench-", owner);
    call.caller.scopes.insert(std::string(registry::auth::kScopeWrite));
    call.caller.expires_at = absl::InfiniteFuture();
    for (int j = 0; j < per_owner; ++j) {
      call.request_id = absl::StrCat("scale-load-", owner, "-", j);
      absl::StatusOr<v1::Registry> created = manager.CreateRegistry(call, CreateRequest(owner, j));
      if (created.ok()) {
        progress.created.fetch_add(1, std::memory_order_relaxed);
      } else if (absl::IsAlreadyExists(created.status())) {
        progress.existing.fetch_add(1, std::memory_order_relaxed);
      } else {
        absl::MutexLock lock(&progress.mu);
        if (progress.first_error.empty()) {
          progress.first_error = absl::StrCat("users/bench-", owner, "/registries/reg-", j, ": ",
                                              created.status().ToString());
        }
        progress.failed.store(true);
        return;
      }
    }
  }
}

int CompactOnly() {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) {
    std::cerr << "registry-scale-loader: --data-dir is required\n";
    return 2;
  }
  const absl::Time started = absl::Now();
  absl::StatusOr<std::unique_ptr<registry::storage::RocksDbKvStore>> store =
      registry::storage::RocksDbKvStore::Open({.path = data_dir, .create_if_missing = false});
  if (!store.ok()) {
    std::cerr << "registry-scale-loader: " << store.status() << "\n";
    return 1;
  }
  absl::Status done = (*store)->Flush();
  if (done.ok()) done = (*store)->CompactAll();
  if (!done.ok()) {
    std::cerr << "registry-scale-loader: " << done << "\n";
    return 1;
  }
  std::cerr << absl::StrFormat("registry-scale-loader: compacted %s in %.1f s\n", data_dir,
                               absl::ToDoubleSeconds(absl::Now() - started));
  return 0;
}

int Load() {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string key_file = absl::GetFlag(FLAGS_master_key_file);
  const int owners = absl::GetFlag(FLAGS_owners);
  const int first_owner = absl::GetFlag(FLAGS_first_owner);
  const int per_owner = absl::GetFlag(FLAGS_registries_per_owner);
  const int threads = absl::GetFlag(FLAGS_threads);
  if (data_dir.empty() || key_file.empty()) {
    std::cerr << "registry-scale-loader: --data-dir and --master-key-file are required\n";
    return 2;
  }
  if (owners < 1 || first_owner < 0 || per_owner < 1 || threads < 1) {
    std::cerr << "registry-scale-loader: --owners, --registries-per-owner and --threads must be "
                 ">= 1, --first-owner >= 0\n";
    return 2;
  }
  const absl::Time started = absl::Now();

  absl::StatusOr<registry::seal::MasterKeys> keys = registry::seal::LoadMasterKeyFile(key_file);
  if (!keys.ok()) {
    std::cerr << "registry-scale-loader: " << keys.status() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<registry::storage::RocksDbKvStore>> store =
      registry::storage::RocksDbKvStore::Open({.path = data_dir, .sync_writes = false});
  if (!store.ok()) {
    std::cerr << "registry-scale-loader: " << store.status() << "\n";
    return 1;
  }
  // The barrier owns the store from here on and keeps it open until it is destroyed.
  registry::storage::RocksDbKvStore* rocks = store->get();
  absl::StatusOr<registry::seal::BarrierPtr> barrier =
      registry::seal::OpenSealedBarrier(*std::move(store), *std::move(keys));
  if (!barrier.ok()) {
    std::cerr << "registry-scale-loader: " << barrier.status() << "\n";
    return 1;
  }
  // What registryd does at start: on a new data dir this only marks the (empty) indexes as
  // complete; RegistryManager then keeps every owner's index as it creates registries.
  if (absl::Status indexed = registry::service::EnsureRegistryIndexes(**barrier); !indexed.ok()) {
    std::cerr << "registry-scale-loader: " << indexed << "\n";
    return 1;
  }
  const absl::Time opened = absl::Now();
  int rc = 0;
  {
    registry::service::AuditLog audit(**barrier, /*sink=*/nullptr);
    registry::service::RegistryManager manager(
        **barrier, audit,
        registry::service::RegistryManagerOptions{.max_registries_per_owner =
                                                      std::max(200, per_owner)});
    const int64_t total = static_cast<int64_t>(owners) * per_owner;
    std::cerr << absl::StrFormat(
        "registry-scale-loader: loading %d owners (users/bench-%d..%d) x %d registries = %d into "
        "%s with %d thread(s)\n",
        owners, first_owner, first_owner + owners - 1, per_owner, total, data_dir, threads);
    Progress progress;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back(LoadOwners, std::ref(manager), first_owner, owners, per_owner,
                           std::ref(progress));
    }
    const absl::Duration interval = absl::GetFlag(FLAGS_progress_interval);
    absl::Time last_report = opened;
    int64_t last_done = 0;
    while (true) {
      const int64_t done = progress.created.load() + progress.existing.load();
      if (done >= total || progress.failed.load()) break;
      absl::SleepFor(absl::Milliseconds(10));
      const absl::Time now = absl::Now();
      if (now - last_report >= interval) {
        const int64_t current = progress.created.load() + progress.existing.load();
        std::cerr << absl::StrFormat(
            "registry-scale-loader: %d / %d (%.1f %%), %.0f/s now, %.0f/s average, %s elapsed\n",
            current, total, 100.0 * static_cast<double>(current) / static_cast<double>(total),
            static_cast<double>(current - last_done) / absl::ToDoubleSeconds(now - last_report),
            static_cast<double>(current) / absl::ToDoubleSeconds(now - opened),
            absl::FormatDuration(absl::Trunc(now - started, absl::Seconds(1))));
        last_report = now;
        last_done = current;
      }
    }
    for (std::thread& worker : workers) worker.join();
    const absl::Time loaded = absl::Now();
    const int64_t created = progress.created.load();
    const int64_t existing = progress.existing.load();
    std::cerr << absl::StrFormat(
        "registry-scale-loader: %d created, %d already there in %.1f s (%.0f/s)\n", created,
        existing, absl::ToDoubleSeconds(loaded - opened),
        static_cast<double>(created + existing) / absl::ToDoubleSeconds(loaded - opened));
    if (progress.failed.load()) {
      absl::MutexLock lock(&progress.mu);
      std::cerr << "registry-scale-loader: FAILED at " << progress.first_error << "\n";
      rc = 1;
    }
    // Durable even after a failure: what was created stays created (the load is resumable).
    if (absl::Status flushed = rocks->Flush(); !flushed.ok()) {
      std::cerr << "registry-scale-loader: flush: " << flushed << "\n";
      rc = 1;
    }
    const absl::Time flushed_at = absl::Now();
    std::cerr << absl::StrFormat("registry-scale-loader: flushed in %.1f s\n",
                                 absl::ToDoubleSeconds(flushed_at - loaded));
    if (rc == 0 && absl::GetFlag(FLAGS_compact)) {
      if (absl::Status compacted = rocks->CompactAll(); !compacted.ok()) {
        std::cerr << "registry-scale-loader: compaction: " << compacted << "\n";
        rc = 1;
      }
      std::cerr << absl::StrFormat("registry-scale-loader: compacted in %.1f s\n",
                                   absl::ToDoubleSeconds(absl::Now() - flushed_at));
    }
  }
  barrier->reset();  // Closes RocksDB (WAL synced) and releases the data dir lock.
  std::cerr << absl::StrFormat("registry-scale-loader: %s in %.1f s total\n",
                               rc == 0 ? "done" : "FAILED",
                               absl::ToDoubleSeconds(absl::Now() - started));
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arg_storage;
  std::vector<char*> args = registry::app::NormalizeFlagNames(argc, argv, arg_storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (!absl::GetFlag(FLAGS_wait_serving).empty()) {
    return WaitServing(absl::GetFlag(FLAGS_wait_serving), absl::GetFlag(FLAGS_timeout),
                       absl::GetFlag(FLAGS_wait_pid));
  }
  if (absl::GetFlag(FLAGS_compact_only)) return CompactOnly();
  return Load();
}
