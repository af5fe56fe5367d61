// Google Benchmark micro-benchmarks of the ResolveCredentials building blocks (issue 6):
// reference parsing, server-key parsing, matching against 20 registries, JWT verification
// (cold: JwtVerifier, cached: CachingTokenVerifier), seal/open of a 1 KiB value, and a point
// read through RocksDbKvStore::Get and through the sealed barrier, and the resolver's owner index
// cache once full. See README.md.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"
#include "server/auth/caching_token_verifier.h"
#include "server/auth/jwks.h"
#include "server/auth/jwt_verifier.h"
#include "server/core/docker_config.h"
#include "server/core/image_key.h"
#include "server/core/image_reference.h"
#include "server/core/matching.h"
#include "server/core/server_key.h"
#include "server/seal/envelope.h"
#include "server/seal/master_key.h"
#include "server/seal/sealed_barrier.h"
#include "server/seal/secure_bytes.h"
#include "server/service/owner_index_cache.h"
#include "storage/rocksdb/rocksdb_kv_store.h"

namespace {

using namespace registry;  // NOLINT

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "micro_benchmarks: setup failed: %s\n", what);
    std::abort();
  }
}

// ---- core: references, server keys, matching ----

const std::vector<std::string>& TypicalImages() {
  static const auto* images = new std::vector<std::string>{
      "nginx",
      "ghcr.io/team/app:1.2",
      "registry.example.com:5000/platform/api/server:v3.14.2",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend/orders@sha256:"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  };
  return *images;
}

void BM_ParseImageReference(benchmark::State& state) {
  const std::string& image = TypicalImages()[state.range(0)];
  state.SetLabel(image.substr(0, 40));
  for (auto _ : state) {
    auto ref = core::ParseImageReference(image);
    benchmark::DoNotOptimize(ref);
  }
}
BENCHMARK(BM_ParseImageReference)->DenseRange(0, 3);

void BM_ParseServerKey(benchmark::State& state) {
  static const char* kServers[] = {"https://index.docker.io/v1/", "ghcr.io",
                                   "registry.example.com:5000/team", "*.dkr.ecr.*.amazonaws.com"};
  const std::string server = kServers[state.range(0)];
  state.SetLabel(server);
  for (auto _ : state) {
    auto key = core::ParseServerKey(server);
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(BM_ParseServerKey)->DenseRange(0, 3);

// 20 registries of one owner (what the Resolve target uses), mixed kinds.
std::vector<core::ServerKey> TwentyRegistries() {
  std::vector<core::ServerKey> keys;
  for (int j = 0; j < 16; ++j) {
    auto key = core::ParseServerKey(absl::StrCat("registry-", j, ".bench.example.com"));
    Check(key.ok(), "ParseServerKey");
    keys.push_back(*key);
  }
  for (const char* s : {"ghcr.io/team", "*.dkr.ecr.*.amazonaws.com", "https://index.docker.io/v1/",
                        "registry.example.com:5000/platform"}) {
    auto key = core::ParseServerKey(s);
    Check(key.ok(), "ParseServerKey");
    keys.push_back(*key);
  }
  return keys;
}

// One image against all 20 registries: the resolve path's ServerMatches (state.range(1) == 0)
// and explain's MatchServer, which also says why each did not match (range(1) == 1).
void BM_MatchServer20(benchmark::State& state) {
  const std::vector<core::ServerKey> registries = TwentyRegistries();
  auto ref = core::ParseImageReference(TypicalImages()[state.range(0)]);
  Check(ref.ok(), "ParseImageReference");
  const core::ImageKey image = core::ImageKeyOf(*ref);
  state.SetLabel(TypicalImages()[state.range(0)].substr(0, 40));
  for (auto _ : state) {
    int matched = 0;
    for (const core::ServerKey& registry : registries) {
      matched += (state.range(1) == 0 ? core::ServerMatches(registry, image)
                                      : core::MatchServer(registry, image).matched)
                     ? 1
                     : 0;
    }
    benchmark::DoNotOptimize(matched);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(registries.size()));
}
BENCHMARK(BM_MatchServer20)->ArgsProduct({{0, 1, 2, 3}, {0, 1}});

// ---- core: the .dockerconfigjson of a Resolve answer ----

// Two registries answering (the standard Resolve scenario's shape), and eight with a path-scoped
// conflict on one host.
void BM_BuildDockerConfigJson(benchmark::State& state) {
  std::vector<registry::core::DockerConfigEntry> entries;
  for (int i = 0; i < state.range(0); ++i) {
    const bool shared_host = state.range(0) > 2 && i % 2 == 0;
    entries.push_back(
        {.server = shared_host ? "ghcr.io" : absl::StrCat("registry-", i, ".bench.example.com"),
         .registry_path = shared_host ? std::vector<std::string>{absl::StrCat("team-", i)}
                                      : std::vector<std::string>{},
         .username = absl::StrCat("robot-", i),
         .password = absl::StrCat("s3cret-password-for-bench-registry-", i),
         .email = "ci@example.com"});
  }
  for (auto _ : state) {
    std::string json = registry::core::BuildDockerConfigJson(entries);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_BuildDockerConfigJson)->Arg(2)->Arg(8);

// ---- auth: JWT verification ----

struct JwtFixture {
  std::string token;
  auth::Jwks jwks;
  auth::JwtVerifierOptions options;
  JwtFixture() {
    const devtoken::DevKey key = devtoken::GenerateDevKey();
    auto jwks_or = auth::ParseJwks(devtoken::JwksForDevKey(key, "dev"));
    Check(jwks_or.ok(), "ParseJwks");
    jwks = *jwks_or;
    devtoken::TokenClaims claims;
    claims.issuer = "cloudmanager-dev";
    claims.audience = "registry-service";
    claims.subject = "deployment-service";
    claims.scopes = {"credentials.resolve"};
    claims.ttl = absl::Hours(24);
    token = devtoken::MintToken(key, "dev", claims);
    options.issuer = claims.issuer;
    options.audience = claims.audience;
  }
};

void BM_JwtVerifyCold(benchmark::State& state) {
  JwtFixture f;
  auth::JwtVerifier verifier(f.jwks, f.options);
  Check(verifier.Verify(f.token).ok(), "Verify");
  for (auto _ : state) {
    auto principal = verifier.Verify(f.token);
    benchmark::DoNotOptimize(principal);
  }
}
BENCHMARK(BM_JwtVerifyCold);

void BM_JwtVerifyCached(benchmark::State& state) {
  static JwtFixture* f = new JwtFixture();
  static auth::CachingTokenVerifier* verifier =
      new auth::CachingTokenVerifier(std::make_unique<auth::JwtVerifier>(f->jwks, f->options));
  Check(verifier->Verify(f->token).ok(), "Verify");
  for (auto _ : state) {
    auto principal = verifier->Verify(f->token);
    benchmark::DoNotOptimize(principal);
  }
}
BENCHMARK(BM_JwtVerifyCached)->Threads(1)->Threads(2);

// ---- seal: envelope of a 1 KiB value ----

void BM_SealValue1KiB(benchmark::State& state) {
  const seal::SecureBytes key = seal::SecureBytes::Random(seal::kEnvelopeKeySize);
  const std::string value(1024, 'v');
  const std::string storage_key = "r/users/alice/registries/ghcr";
  for (auto _ : state) {
    std::string sealed = seal::SealValue(key, 1, storage_key, value);
    benchmark::DoNotOptimize(sealed);
  }
  state.SetBytesProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_SealValue1KiB);

void BM_OpenValue1KiB(benchmark::State& state) {
  const seal::SecureBytes key = seal::SecureBytes::Random(seal::kEnvelopeKeySize);
  const std::string storage_key = "r/users/alice/registries/ghcr";
  const std::string sealed = seal::SealValue(key, 1, storage_key, std::string(1024, 'v'));
  for (auto _ : state) {
    auto opened = seal::OpenValue(key, storage_key, sealed);
    benchmark::DoNotOptimize(opened);
  }
  state.SetBytesProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_OpenValue1KiB);

// ---- storage: point reads ----

std::string MakeTempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "registry-micro-bench-XXXXXX").string();
  Check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  return pattern;
}

// 1000 registries' worth of keys (~300-byte values), read back one small key.
constexpr int kStoredKeys = 1000;
std::string StoredKey(int i) {
  return absl::StrCat("r/users/bench-", i / 20, "/registries/reg-", i % 20);
}

void BM_RocksDbGet(benchmark::State& state) {
  const std::string dir = MakeTempDir();
  {
    auto store = storage::RocksDbKvStore::Open({.path = dir + "/db"});
    Check(store.ok(), "RocksDbKvStore::Open");
    storage::WriteBatch batch;
    for (int i = 0; i < kStoredKeys; ++i) batch.Put(StoredKey(i), std::string(300, 'x'));
    Check((*store)->Write(batch).ok(), "Write");
    const std::string key = StoredKey(kStoredKeys / 2);
    for (auto _ : state) {
      auto value = (*store)->Get(key);
      benchmark::DoNotOptimize(value);
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RocksDbGet);

// The same read through the sealed barrier (RocksDB Get + OpenValue), what the service pays.
void BM_BarrierGet(benchmark::State& state) {
  const std::string dir = MakeTempDir();
  {
    auto store = storage::RocksDbKvStore::Open({.path = dir + "/db"});
    Check(store.ok(), "RocksDbKvStore::Open");
    seal::MasterKeys master;
    master.keys.push_back(seal::SecureBytes::Random(seal::kMasterKeySize));
    auto barrier = seal::OpenSealedBarrier(*std::move(store), std::move(master));
    Check(barrier.ok(), "OpenSealedBarrier");
    storage::WriteBatch batch;
    for (int i = 0; i < kStoredKeys; ++i) batch.Put(StoredKey(i), std::string(300, 'x'));
    Check((*barrier)->Write(batch).ok(), "Barrier::Write");
    const std::string key = StoredKey(kStoredKeys / 2);
    for (auto _ : state) {
      auto value = (*barrier)->Get(key);
      benchmark::DoNotOptimize(value);
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BarrierGet);

// ---- service: the resolver's owner index cache ----

// Inserting owners into a full OwnerIndexCache (more owners resolved than it holds): the cost of
// making room must not grow as the cache churns.
void BM_OwnerIndexCacheInsertWhenFull(benchmark::State& state) {
  constexpr size_t kCapacity = 65'536;
  service::OwnerIndexCache cache(kCapacity, size_t{1} << 30);
  auto owned = std::make_shared<service::IndexedRegistries>();
  owned->Add(core::ServerKey{}, "");
  service::IndexedRegistriesPtr registries = owned;
  std::vector<std::string> owners;
  for (size_t i = 0; i < 4 * kCapacity; ++i) owners.push_back(absl::StrCat("users/u", i));
  size_t next = 0;
  for (; next < kCapacity; ++next) cache.Insert(owners[next], 0, registries);
  for (auto _ : state) {
    const std::string& owner = owners[next++ % owners.size()];
    cache.Insert(owner, cache.Ticket(owner), registries);
  }
}
BENCHMARK(BM_OwnerIndexCacheInsertWhenFull)->Iterations(2'000'000);

}  // namespace

BENCHMARK_MAIN();
