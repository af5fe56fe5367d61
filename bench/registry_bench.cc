// registry-bench: closed-loop load driver for a running registryd (issue 6). See README.md.
//
// Opens --concurrency channels (each its own TCP connection) and keeps --inflight calls
// outstanding on each through the generated callback client API: every completion records the
// call's latency and immediately issues the next call on the same slot. Calls that start during
// --warmup are not recorded; the measured window is --duration. Latencies are kept exactly (one
// sample per call) and percentiles come from the sorted samples.
//
// RPCs: resolve (CredentialService.ResolveCredentials), get (GetRegistry), list (ListRegistries,
// first page), create (CreateRegistry, one new registry per call; needs --signing-key: each slot
// writes as its own owner, a fresh one every --creates-per-owner creates),
// health (grpc.health.v1 Check), and for comparison against etcd 3.4 (no auth header):
// etcd-range (KV.Range of one small key, linearizable unless --etcd-serializable) and etcd-put
// (KV.Put of a 256-byte value to a distinct key per call, durable: etcd fsyncs its WAL).
// A comma-separated --rpc list is a mix: slot i runs rpcs[i % n].
//
// Tokens: either --signing-key (a registryctl dev key file; tokens are minted per owner and
// cached) or --token/--token-file (resolver token) and --user-token/--user-token-file (the one
// owner named by --owner, for preload/get/list).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "cloudmanager/registry/v1/registry_service.grpc.pb.h"
#include "etcd/etcd_kv.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "server/app/flag_names.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50051", "server address (plaintext)");
ABSL_FLAG(std::string, rpc, "resolve",
          "resolve|get|list|create|health|etcd-range|etcd-put, or a comma-separated mix");
ABSL_FLAG(int, concurrency, 4, "channels (TCP connections)");
ABSL_FLAG(int, inflight, 32, "outstanding calls per channel");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "measured window");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "unrecorded warm-up before the window");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(10), "per-call deadline");
ABSL_FLAG(std::string, token, "", "resolver bearer token (scope credentials.resolve)");
ABSL_FLAG(std::string, token_file, "", "file holding the resolver token");
ABSL_FLAG(std::string, user_token, "", "owner's token (registry.read registry.write)");
ABSL_FLAG(std::string, user_token_file, "", "file holding the owner's token");
ABSL_FLAG(std::string, owner, "alice", "owner user id when tokens are given (not minted)");
ABSL_FLAG(std::string, signing_key, "", "registryctl dev key file: mint tokens per owner");
ABSL_FLAG(std::string, kid, "dev", "kid of the signing key in the server's JWKS");
ABSL_FLAG(std::string, issuer, "cloudmanager-dev", "iss of minted tokens");
ABSL_FLAG(std::string, audience, "registry-service", "aud of minted tokens");
ABSL_FLAG(int, owners, 1, "owners to spread get/list/resolve over (bench-0..N-1 when minting)");
ABSL_FLAG(int, registries_per_owner, 20, "registries to preload per owner (with --preload)");
ABSL_FLAG(std::string, owner_choice, "first",
          "owner of each resolve/get/list call: first (bench-0), random (uniform over "
          "bench-0..N-1, seeded per slot), slot (slot i uses bench-(i mod N)) or sweep (every "
          "owner once: slot i takes i, i+S, ... for S slots; the run ends when all are done)");
ABSL_FLAG(bool, preload, false, "create the registries first (idempotent: ALREADY_EXISTS is ok)");
ABSL_FLAG(int, preload_concurrency, 32, "owners preloaded concurrently");
ABSL_FLAG(bool, create_same_owner, false,
          "create: all slots share one owner (a fresh one every --creates-per-owner creates) "
          "instead of one owner per slot");
ABSL_FLAG(int, creates_per_owner, 20,
          "create: registries an owner gets before the next owner is used (the Resolve "
          "scenario's owners have 20; at most the server's --max-registries-per-owner)");
ABSL_FLAG(std::string, etcd_key, "bench/key", "etcd-range: the key (Put once before measuring)");
ABSL_FLAG(int, etcd_value_size, 256, "etcd-range/etcd-put: value bytes");
ABSL_FLAG(bool, etcd_serializable, false,
          "etcd-range: serializable (member-local) reads instead of linearizable");
ABSL_FLAG(int, images_per_request, 3, "images per ResolveCredentials request");
ABSL_FLAG(std::string, capture_response, "",
          "write one ResolveCredentials response's serialized bytes to this file and exit");
ABSL_FLAG(bool, json, false, "print the results as one JSON object");
ABSL_FLAG(std::string, label, "", "free text copied into the output (e.g. the server's name)");

namespace {

namespace v1 = ::cloudmanager::registry::v1;
namespace health = ::grpc::health::v1;

namespace etcd = ::etcdserverpb;
using Clock = std::chrono::steady_clock;

// Creates per owner before moving to a fresh one (--creates-per-owner; at most the server's
// per-owner limit, 200 by default).
uint64_t CreatesPerOwner() { return static_cast<uint64_t>(absl::GetFlag(FLAGS_creates_per_owner)); }

enum class Rpc { kResolve, kGet, kList, kCreate, kHealth, kEtcdRange, kEtcdPut };

const char* RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kResolve:
      return "resolve";
    case Rpc::kGet:
      return "get";
    case Rpc::kList:
      return "list";
    case Rpc::kCreate:
      return "create";
    case Rpc::kHealth:
      return "health";
    case Rpc::kEtcdRange:
      return "etcd-range";
    case Rpc::kEtcdPut:
      return "etcd-put";
  }
  return "?";
}

bool IsEtcd(Rpc rpc) { return rpc == Rpc::kEtcdRange || rpc == Rpc::kEtcdPut; }

enum class OwnerChoice { kFirst, kRandom, kSlot, kSweep };

bool ParseRpc(const std::string& name, Rpc* rpc) {
  for (Rpc r : {Rpc::kResolve, Rpc::kGet, Rpc::kList, Rpc::kCreate, Rpc::kHealth, Rpc::kEtcdRange,
                Rpc::kEtcdPut}) {
    if (name == RpcName(r)) {
      *rpc = r;
      return true;
    }
  }
  return false;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "registry-bench: cannot read " << path << "\n";
    std::exit(2);
  }
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// Where tokens come from: minted per owner, or given on the command line for one owner.
class Tokens {
 public:
  Tokens() {
    const std::string key_file = absl::GetFlag(FLAGS_signing_key);
    if (!key_file.empty()) {
      auto key = registry::devtoken::LoadDevKeyFile(key_file);
      if (!key.ok()) {
        std::cerr << "registry-bench: " << key.status() << "\n";
        std::exit(2);
      }
      key_ = *key;
      minting_ = true;
    }
    resolver_ = absl::GetFlag(FLAGS_token);
    if (!absl::GetFlag(FLAGS_token_file).empty()) {
      resolver_ = ReadFileOrDie(absl::GetFlag(FLAGS_token_file));
    }
    user_ = absl::GetFlag(FLAGS_user_token);
    if (!absl::GetFlag(FLAGS_user_token_file).empty()) {
      user_ = ReadFileOrDie(absl::GetFlag(FLAGS_user_token_file));
    }
    if (resolver_.empty() && minting_) resolver_ = Mint("bench-resolver", "credentials.resolve");
  }
  bool minting() const { return minting_; }
  // Owner user id number i.
  std::string OwnerId(int i) const {
    return minting_ ? absl::StrCat("bench-", i) : absl::GetFlag(FLAGS_owner);
  }
  const std::string& Resolver() const { return resolver_; }
  // A fresh user token for any owner id (minted, ~50 us) or the given --user-token.
  std::string User(const std::string& owner_id) const {
    if (minting_) return Mint(owner_id, "registry.read registry.write");
    return user_;
  }
  // The user token of owner number i (OwnerId(i)), minted once and cached. Thread-safe; the
  // reference stays valid for the lifetime of this object (unordered_map nodes do not move).
  const std::string& OwnerToken(int i) {
    if (!minting_) return user_;
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = owner_tokens_.find(i); it != owner_tokens_.end()) return it->second;
    }
    std::string token = User(OwnerId(i));  // Mint outside the lock.
    absl::MutexLock lock(&mu_);
    return owner_tokens_.try_emplace(i, std::move(token)).first->second;
  }

 private:
  std::string Mint(const std::string& subject, const std::string& scopes) const {
    registry::devtoken::TokenClaims claims;
    claims.issuer = absl::GetFlag(FLAGS_issuer);
    claims.audience = absl::GetFlag(FLAGS_audience);
    claims.subject = subject;
    claims.scopes = std::vector<std::string>(absl::StrSplit(scopes, ' '));
    claims.issued_at = absl::Now() - absl::Seconds(5);
    claims.ttl = absl::Hours(6);
    return registry::devtoken::MintToken(key_, absl::GetFlag(FLAGS_kid), claims);
  }

  bool minting_ = false;
  registry::devtoken::DevKey key_;
  std::string resolver_;
  std::string user_;
  absl::Mutex mu_;
  std::unordered_map<int, std::string> owner_tokens_ ABSL_GUARDED_BY(mu_);
};

std::string RegistryId(int j) { return absl::StrCat("reg-", j); }
std::string RegistryServer(int j) { return absl::StrCat("registry-", j, ".bench.example.com"); }

// The images of every ResolveCredentials request: spread over the preloaded registries' hosts
// (so each image matches one of the owner's registries), the first one a Docker Hub image.
std::vector<std::string> RequestImages(int count, int registries) {
  std::vector<std::string> images;
  for (int i = 0; i < count; ++i) {
    if (i == 0) {
      images.push_back("nginx:1.25");
    } else {
      images.push_back(absl::StrCat(RegistryServer((i - 1) % std::max(registries, 1)), "/team/app-",
                                    i, ":1.", i));
    }
  }
  return images;
}

std::shared_ptr<grpc::Channel> NewChannel(int id) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // A connection of its own per channel.
  args.SetInt("registry.bench.channel", id);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::GetFlag(FLAGS_address), grpc::InsecureChannelCredentials(),
                                   args);
}

void SetAuth(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ctx.set_deadline(std::chrono::system_clock::now() +
                   absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_deadline)));
}

// Creates reg-0..reg-K-1 for every owner bench-0..N-1 (or the one --owner), owners in parallel
// (--preload-concurrency threads, each working through whole owners; one owner's writes are
// serialized by the server anyway). ALREADY_EXISTS counts as done; RESOURCE_EXHAUSTED and
// UNAVAILABLE are retried a few times with back-off.
int Preload(Tokens& tokens, const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::RegistryService::NewStub(channel);
  const int owners = tokens.minting() ? std::max(1, absl::GetFlag(FLAGS_owners)) : 1;
  const int per_owner = absl::GetFlag(FLAGS_registries_per_owner);
  const int parallel = std::clamp(absl::GetFlag(FLAGS_preload_concurrency), 1, owners);
  std::atomic<int> next_owner{0};
  std::atomic<int> owners_done{0};
  std::atomic<int64_t> created{0}, existing{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  std::string error;
  const absl::Time started = absl::Now();
  auto worker = [&] {
    for (int o = next_owner++; o < owners && !failed.load(); o = next_owner++) {
      const std::string owner = tokens.OwnerId(o);
      const std::string& token = tokens.OwnerToken(o);
      for (int j = 0; j < per_owner && !failed.load(); ++j) {
        v1::CreateRegistryRequest request;
        request.set_parent(absl::StrCat("users/", owner));
        request.set_registry_id(RegistryId(j));
        v1::Registry* r = request.mutable_registry();
        r->set_display_name(absl::StrCat("Bench registry ", j));
        r->set_server(RegistryServer(j));
        r->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
        r->set_username(absl::StrCat("robot-", j));
        r->set_password(absl::StrCat("s3cret-password-for-bench-registry-", j));
        grpc::Status status;
        for (int attempt = 0;; ++attempt) {
          v1::Registry response;
          grpc::ClientContext ctx;
          SetAuth(ctx, token);
          status = stub->CreateRegistry(&ctx, request, &response);
          const bool retry = status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                             status.error_code() == grpc::StatusCode::UNAVAILABLE;
          if (!retry || attempt == 5) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(50 << attempt));
        }
        if (status.ok()) {
          ++created;
        } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
          ++existing;
        } else {
          std::lock_guard<std::mutex> lock(error_mu);
          if (error.empty()) {
            error =
                absl::StrCat(request.parent(), "/", request.registry_id(), ": ",
                             static_cast<int>(status.error_code()), " ", status.error_message());
          }
          failed.store(true);
        }
      }
      const int done = ++owners_done;
      if (owners >= 1000 && done % (owners / 10) == 0) {
        std::cerr << "registry-bench: preload " << done << "/" << owners << " owners, "
                  << absl::FormatDuration(absl::Trunc(absl::Now() - started, absl::Seconds(1)))
                  << "\n";
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < parallel; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (failed.load()) {
    std::cerr << "registry-bench: preload " << error << "\n";
    return 1;
  }
  std::cerr << "registry-bench: preloaded " << owners << " owner(s) x " << per_owner
            << " registries (" << created.load() << " created, " << existing.load()
            << " already there) in "
            << absl::FormatDuration(absl::Trunc(absl::Now() - started, absl::Milliseconds(1)))
            << " with " << parallel << " owner(s) in parallel\n";
  return 0;
}

std::string EtcdValue() {
  return std::string(std::max(0, absl::GetFlag(FLAGS_etcd_value_size)), 'v');
}

// etcd-range reads one key: put it once (value of --etcd-value-size bytes) and read it back.
int EtcdSetup(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = etcd::KV::NewStub(channel);
  etcd::PutRequest put;
  put.set_key(absl::GetFlag(FLAGS_etcd_key));
  put.set_value(EtcdValue());
  etcd::PutResponse put_response;
  grpc::ClientContext put_ctx;
  SetAuth(put_ctx, "");  // etcd takes no bearer token.
  grpc::Status status = stub->Put(&put_ctx, put, &put_response);
  if (!status.ok()) {
    std::cerr << "registry-bench: etcd Put " << put.key() << ": " << status.error_code() << " "
              << status.error_message() << "\n";
    return 1;
  }
  etcd::RangeRequest range;
  range.set_key(put.key());
  etcd::RangeResponse range_response;
  grpc::ClientContext range_ctx;
  SetAuth(range_ctx, "");
  status = stub->Range(&range_ctx, range, &range_response);
  if (!status.ok() || range_response.kvs_size() != 1 ||
      range_response.kvs(0).value() != put.value()) {
    std::cerr << "registry-bench: etcd Range " << put.key() << " did not return the value put ("
              << status.error_code() << " " << status.error_message() << ", "
              << range_response.kvs_size() << " kvs)\n";
    return 1;
  }
  std::cerr << "registry-bench: etcd key " << put.key() << " = " << put.value().size()
            << " bytes at revision " << range_response.header().revision() << "\n";
  return 0;
}

v1::ResolveCredentialsRequest ResolveRequest(const std::string& owner_id,
                                             const std::vector<std::string>& images) {
  v1::ResolveCredentialsRequest request;
  request.set_owner(absl::StrCat("users/", owner_id));
  for (const auto& image : images) request.add_images(image);
  request.set_action(v1::ACTION_PULL);
  return request;
}

// Results of one RPC kind, merged over its slots.
struct Stats {
  std::vector<int64_t> latencies_ns;
  uint64_t errors = 0;
  std::map<int, uint64_t> error_codes;
  std::string first_error;
};

// With --create-same-owner: the one owner all slots write as, a fresh one every
// CreatesPerOwner() creates (counted over all slots).
class SharedCreateOwner {
 public:
  explicit SharedCreateOwner(const Tokens& tokens) : tokens_(tokens) {}
  // Call number n (0-based over all slots): its owner id and token.
  std::pair<std::string, std::string> For(uint64_t n, const std::string& run_id) {
    const uint64_t generation = n / CreatesPerOwner();
    absl::MutexLock lock(&mu_);
    auto it = owners_.find(generation);
    if (it == owners_.end()) {
      std::string owner = absl::StrCat("bench-create-", run_id, "-", generation);
      std::string token = tokens_.User(owner);
      it = owners_.emplace(generation, std::make_pair(std::move(owner), std::move(token))).first;
    }
    return it->second;
  }
  std::atomic<uint64_t> counter{0};

 private:
  const Tokens& tokens_;
  absl::Mutex mu_;
  std::map<uint64_t, std::pair<std::string, std::string>> owners_ ABSL_GUARDED_BY(mu_);
};

struct Shared {
  explicit Shared(const Tokens& tokens) : create_owner(tokens) {}
  std::atomic<bool> stop{false};
  Clock::time_point measure_start;
  Clock::time_point measure_end;
  absl::Mutex mu;
  int active_slots ABSL_GUARDED_BY(mu) = 0;
  SharedCreateOwner create_owner;
  OwnerChoice owner_choice = OwnerChoice::kFirst;
  int slots = 1;  // Slots in all (the sweep's stride).
  std::string run_id;
  std::string etcd_value;
};

// One outstanding call position: issues a call, records it on completion, issues the next.
class Slot {
 public:
  Slot(int index, Rpc rpc, std::shared_ptr<grpc::Channel> channel, Tokens& tokens, Shared& shared,
       const std::vector<std::string>& images)
      : index_(index),
        rpc_(rpc),
        tokens_(tokens),
        shared_(shared),
        images_(images),
        owners_(std::max(1, absl::GetFlag(FLAGS_owners))),
        rng_(0x9e3779b97f4a7c15ULL ^ static_cast<uint64_t>(index)),
        pick_(0, std::max(1, absl::GetFlag(FLAGS_owners)) - 1) {
    if (IsEtcd(rpc_)) {
      etcd_ = etcd::KV::NewStub(channel);
    } else {
      credential_ = v1::CredentialService::NewStub(channel);
      registry_ = v1::RegistryService::NewStub(channel);
      health_ = health::Health::NewStub(channel);
    }
    switch (shared_.owner_choice) {
      case OwnerChoice::kFirst:
        fixed_owner_ = 0;
        break;
      case OwnerChoice::kSlot:
        fixed_owner_ = index % owners_;
        break;
      case OwnerChoice::kRandom:
      case OwnerChoice::kSweep:
        fixed_owner_ = -1;
        break;
    }
    sweep_next_ = index;
    if (rpc_ == Rpc::kResolve) {
      resolve_request_ = ResolveRequest(tokens_.OwnerId(std::max(fixed_owner_, 0)), images_);
    }
    etcd_range_request_.set_key(absl::GetFlag(FLAGS_etcd_key));
    etcd_range_request_.set_serializable(absl::GetFlag(FLAGS_etcd_serializable));
    latencies_.reserve(1 << 16);
  }

  void Start() { Issue(); }
  Stats& stats() { return stats_; }
  std::vector<int64_t>& latencies() { return latencies_; }

 private:
  // The owner number of the next resolve/get/list call.
  int NextOwner() {
    if (fixed_owner_ >= 0) return fixed_owner_;
    if (shared_.owner_choice != OwnerChoice::kSweep) return pick_(rng_);
    const int owner = sweep_next_;
    sweep_next_ += shared_.slots;
    return owner;
  }
  // With --owner-choice=sweep: this slot has issued a call for each of its owners.
  bool SweepDone() const {
    return shared_.owner_choice == OwnerChoice::kSweep && sweep_next_ >= owners_;
  }

  void Issue() {
    if (shared_.stop.load(std::memory_order_relaxed) || SweepDone()) {
      absl::MutexLock lock(&shared_.mu);
      --shared_.active_slots;
      return;
    }
    ctx_ = std::make_unique<grpc::ClientContext>();
    auto done = [this](grpc::Status status) { Done(status); };
    switch (rpc_) {
      case Rpc::kResolve:
        if (fixed_owner_ < 0) {
          resolve_request_.set_owner(absl::StrCat("users/", tokens_.OwnerId(NextOwner())));
        }
        SetAuth(*ctx_, tokens_.Resolver());
        resolve_response_.Clear();
        start_ = Clock::now();
        credential_->async()->ResolveCredentials(ctx_.get(), &resolve_request_, &resolve_response_,
                                                 done);
        break;
      case Rpc::kGet: {
        const int owner = NextOwner();
        SetAuth(*ctx_, tokens_.OwnerToken(owner));
        const int per_owner = std::max(1, absl::GetFlag(FLAGS_registries_per_owner));
        get_request_.set_name(absl::StrCat("users/", tokens_.OwnerId(owner), "/registries/",
                                           RegistryId(counter_++ % per_owner)));
        registry_response_.Clear();
        start_ = Clock::now();
        registry_->async()->GetRegistry(ctx_.get(), &get_request_, &registry_response_, done);
        break;
      }
      case Rpc::kList: {
        const int owner = NextOwner();
        SetAuth(*ctx_, tokens_.OwnerToken(owner));
        list_request_.set_parent(absl::StrCat("users/", tokens_.OwnerId(owner)));
        list_response_.Clear();
        start_ = Clock::now();
        registry_->async()->ListRegistries(ctx_.get(), &list_request_, &list_response_, done);
        break;
      }
      case Rpc::kCreate: {
        uint64_t n;
        if (absl::GetFlag(FLAGS_create_same_owner)) {
          // All slots write as one owner (serialized by the server), fresh every
          // --creates-per-owner creates.
          n = shared_.create_owner.counter++;
          std::tie(create_owner_, create_token_) = shared_.create_owner.For(n, shared_.run_id);
        } else {
          // Each slot writes as its own owner (64 writers = 64 users), a fresh one every
          // --creates-per-owner creates of this slot to stay under the per-owner limit.
          n = counter_++;
          if (n % CreatesPerOwner() == 0) {
            create_owner_ =
                absl::StrCat("bench-w", index_, "-", n / CreatesPerOwner(), "-", shared_.run_id);
            create_token_ = tokens_.User(create_owner_);
          }
        }
        SetAuth(*ctx_, create_token_);
        create_request_.set_parent(absl::StrCat("users/", create_owner_));
        create_request_.set_registry_id(absl::StrCat("r-", n));
        v1::Registry* r = create_request_.mutable_registry();
        r->set_display_name(absl::StrCat("Created ", n));
        r->set_server(absl::StrCat("create-", n, ".bench.example.com"));
        r->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
        r->set_username("robot");
        r->set_password("s3cret-password-for-bench");
        registry_response_.Clear();
        start_ = Clock::now();
        registry_->async()->CreateRegistry(ctx_.get(), &create_request_, &registry_response_, done);
        break;
      }
      case Rpc::kHealth:
        SetAuth(*ctx_, tokens_.Resolver());  // Same headers as resolve.
        health_response_.Clear();
        start_ = Clock::now();
        health_->async()->Check(ctx_.get(), &health_request_, &health_response_, done);
        break;
      case Rpc::kEtcdRange:
        SetAuth(*ctx_, "");  // etcd: no authorization header.
        etcd_range_response_.Clear();
        start_ = Clock::now();
        etcd_->async()->Range(ctx_.get(), &etcd_range_request_, &etcd_range_response_, done);
        break;
      case Rpc::kEtcdPut: {
        // A distinct key per call (bench/put/<run>/<slot>/<n>), the same value every time.
        const uint64_t n = counter_++;
        SetAuth(*ctx_, "");
        etcd_put_request_.set_key(absl::StrCat("bench/put/", shared_.run_id, "/", index_, "/", n));
        if (n == 0) etcd_put_request_.set_value(shared_.etcd_value);
        etcd_put_response_.Clear();
        start_ = Clock::now();
        etcd_->async()->Put(ctx_.get(), &etcd_put_request_, &etcd_put_response_, done);
        break;
      }
    }
  }

  void Done(const grpc::Status& status) {
    const Clock::time_point end = Clock::now();
    if (start_ >= shared_.measure_start && end <= shared_.measure_end) {
      if (status.ok()) {
        latencies_.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(end - start_).count());
      } else {
        ++stats_.errors;
        ++stats_.error_codes[status.error_code()];
        if (stats_.first_error.empty()) {
          stats_.first_error =
              absl::StrCat(static_cast<int>(status.error_code()), " ", status.error_message());
        }
      }
    }
    Issue();
  }

  const int index_;
  const Rpc rpc_;
  Tokens& tokens_;
  Shared& shared_;
  const std::vector<std::string>& images_;
  const int owners_;
  int fixed_owner_ = 0;  // -1: random owner per call (or the sweep's next).
  int sweep_next_ = 0;   // With --owner-choice=sweep: the owner of this slot's next call.
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int> pick_;
  std::unique_ptr<v1::CredentialService::Stub> credential_;
  std::unique_ptr<v1::RegistryService::Stub> registry_;
  std::unique_ptr<health::Health::Stub> health_;
  std::unique_ptr<etcd::KV::Stub> etcd_;
  std::string create_owner_;
  std::string create_token_;
  uint64_t counter_ = 0;
  std::unique_ptr<grpc::ClientContext> ctx_;
  Clock::time_point start_;
  v1::ResolveCredentialsRequest resolve_request_;
  v1::ResolveCredentialsResponse resolve_response_;
  v1::GetRegistryRequest get_request_;
  v1::ListRegistriesRequest list_request_;
  v1::ListRegistriesResponse list_response_;
  v1::CreateRegistryRequest create_request_;
  v1::Registry registry_response_;
  health::HealthCheckRequest health_request_;
  health::HealthCheckResponse health_response_;
  etcd::RangeRequest etcd_range_request_;
  etcd::RangeResponse etcd_range_response_;
  etcd::PutRequest etcd_put_request_;
  etcd::PutResponse etcd_put_response_;
  Stats stats_;
  std::vector<int64_t> latencies_;
};

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()));
  if (rank >= sorted.size()) rank = sorted.size() - 1;
  return static_cast<double>(sorted[rank]) / 1e3;  // microseconds
}

int Capture(const Tokens& tokens, const std::vector<std::string>& images) {
  auto stub = v1::CredentialService::NewStub(NewChannel(0));
  const v1::ResolveCredentialsRequest request = ResolveRequest(tokens.OwnerId(0), images);
  v1::ResolveCredentialsResponse response;
  grpc::ClientContext ctx;
  SetAuth(ctx, tokens.Resolver());
  grpc::Status status = stub->ResolveCredentials(&ctx, request, &response);
  if (!status.ok()) {
    std::cerr << "registry-bench: capture: " << status.error_code() << " " << status.error_message()
              << "\n";
    return 1;
  }
  // proto3 without maps serializes deterministically, so this is the byte string registryd sent.
  std::string bytes;
  response.SerializeToString(&bytes);
  std::ofstream out(absl::GetFlag(FLAGS_capture_response), std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::cerr << "registry-bench: cannot write " << absl::GetFlag(FLAGS_capture_response) << "\n";
    return 1;
  }
  std::cerr << "registry-bench: captured " << bytes.size() << " response bytes ("
            << response.credentials_size() << " credentials) to "
            << absl::GetFlag(FLAGS_capture_response) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arg_storage;
  std::vector<char*> args = registry::app::NormalizeFlagNames(argc, argv, arg_storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::vector<Rpc> rpcs;
  for (absl::string_view name : absl::StrSplit(absl::GetFlag(FLAGS_rpc), ',')) {
    Rpc rpc;
    if (!ParseRpc(std::string(name), &rpc)) {
      std::cerr << "registry-bench: unknown --rpc " << name << "\n";
      return 2;
    }
    rpcs.push_back(rpc);
  }
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const int inflight = absl::GetFlag(FLAGS_inflight);
  if (concurrency < 1 || inflight < 1 || rpcs.empty()) {
    std::cerr << "registry-bench: --concurrency and --inflight must be >= 1\n";
    return 2;
  }
  OwnerChoice owner_choice;
  if (const std::string choice = absl::GetFlag(FLAGS_owner_choice); choice == "first") {
    owner_choice = OwnerChoice::kFirst;
  } else if (choice == "random") {
    owner_choice = OwnerChoice::kRandom;
  } else if (choice == "slot") {
    owner_choice = OwnerChoice::kSlot;
  } else if (choice == "sweep") {
    owner_choice = OwnerChoice::kSweep;
  } else {
    std::cerr << "registry-bench: unknown --owner-choice " << choice << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_owners) < 1) {
    std::cerr << "registry-bench: --owners must be >= 1\n";
    return 2;
  }
  Tokens tokens;
  for (Rpc rpc : rpcs) {
    if (rpc == Rpc::kCreate && !tokens.minting()) {
      std::cerr << "registry-bench: --rpc=create needs --signing-key (fresh owners)\n";
      return 2;
    }
  }
  if (owner_choice != OwnerChoice::kFirst && absl::GetFlag(FLAGS_owners) > 1 && !tokens.minting()) {
    std::cerr << "registry-bench: --owner-choice=random|slot|sweep with --owners > 1 needs "
                 "--signing-key (owners bench-0..N-1)\n";
    return 2;
  }
  const std::vector<std::string> images = RequestImages(absl::GetFlag(FLAGS_images_per_request),
                                                        absl::GetFlag(FLAGS_registries_per_owner));
  if (absl::GetFlag(FLAGS_preload)) {
    if (int rc = Preload(tokens, NewChannel(0)); rc != 0) return rc;
  }
  if (!absl::GetFlag(FLAGS_capture_response).empty()) return Capture(tokens, images);
  if (std::find(rpcs.begin(), rpcs.end(), Rpc::kEtcdRange) != rpcs.end()) {
    if (int rc = EtcdSetup(NewChannel(0)); rc != 0) return rc;
  }

  Shared shared(tokens);
  shared.owner_choice = owner_choice;
  shared.slots = concurrency * inflight;
  shared.run_id = absl::StrCat(absl::ToUnixMillis(absl::Now()));
  shared.etcd_value = EtcdValue();
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < concurrency; ++c) {
    channels.push_back(NewChannel(c));
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(10))) {
      std::cerr << "registry-bench: cannot connect to " << absl::GetFlag(FLAGS_address) << "\n";
      return 1;
    }
  }
  const auto warmup = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_warmup));
  const auto duration = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_duration));
  std::vector<std::unique_ptr<Slot>> slots;
  for (int c = 0; c < concurrency; ++c) {
    for (int i = 0; i < inflight; ++i) {
      const int index = c * inflight + i;
      slots.push_back(std::make_unique<Slot>(index, rpcs[index % rpcs.size()], channels[c], tokens,
                                             shared, images));
    }
  }
  shared.measure_start = Clock::now() + warmup;
  shared.measure_end = shared.measure_start + duration;
  {
    absl::MutexLock lock(&shared.mu);
    shared.active_slots = static_cast<int>(slots.size());
  }
  for (auto& slot : slots) slot->Start();
  // Until the window ends (or, sweeping, every slot is done), then until every call is back.
  const auto all_done = absl::Condition(
      +[](int* active) { return *active == 0; }, &shared.active_slots);
  {
    absl::MutexLock lock(&shared.mu);
    shared.mu.AwaitWithTimeout(all_done, absl::FromChrono(shared.measure_end - Clock::now()));
  }
  const Clock::time_point stopped = std::min(Clock::now(), shared.measure_end);
  shared.stop.store(true);
  {
    absl::MutexLock lock(&shared.mu);
    shared.mu.Await(all_done);
  }
  const double seconds =
      std::chrono::duration<double>(std::max(stopped - shared.measure_start, Clock::duration(1)))
          .count();

  // Merge per RPC kind.
  std::map<Rpc, Stats> merged;
  for (size_t i = 0; i < slots.size(); ++i) {
    Stats& into = merged[rpcs[i % rpcs.size()]];
    Stats& from = slots[i]->stats();
    auto& lat = slots[i]->latencies();
    into.latencies_ns.insert(into.latencies_ns.end(), lat.begin(), lat.end());
    into.errors += from.errors;
    for (auto [code, n] : from.error_codes) into.error_codes[code] += n;
    if (into.first_error.empty()) into.first_error = from.first_error;
  }
  nlohmann::json out;
  out["address"] = absl::GetFlag(FLAGS_address);
  out["label"] = absl::GetFlag(FLAGS_label);
  out["concurrency"] = concurrency;
  out["inflight_per_channel"] = inflight;
  out["inflight_total"] = concurrency * inflight;
  out["duration_s"] = seconds;
  out["images_per_request"] = absl::GetFlag(FLAGS_images_per_request);
  out["owners"] = absl::GetFlag(FLAGS_owners);
  out["owner_choice"] = absl::GetFlag(FLAGS_owner_choice);
  out["create_same_owner"] = absl::GetFlag(FLAGS_create_same_owner);
  if (std::any_of(rpcs.begin(), rpcs.end(), IsEtcd)) {
    out["etcd_serializable"] = absl::GetFlag(FLAGS_etcd_serializable);
    out["etcd_value_size"] = absl::GetFlag(FLAGS_etcd_value_size);
  }
  out["rpcs"] = nlohmann::json::array();
  bool any_error = false;
  for (auto& [rpc, stats] : merged) {
    std::sort(stats.latencies_ns.begin(), stats.latencies_ns.end());
    const auto& lat = stats.latencies_ns;
    double sum = 0;
    for (int64_t v : lat) sum += static_cast<double>(v);
    nlohmann::json r;
    r["rpc"] = RpcName(rpc);
    r["ok"] = lat.size();
    r["errors"] = stats.errors;
    r["throughput_per_s"] = static_cast<double>(lat.size()) / seconds;
    r["mean_us"] = lat.empty() ? 0.0 : sum / static_cast<double>(lat.size()) / 1e3;
    r["p50_us"] = Percentile(lat, 50);
    r["p90_us"] = Percentile(lat, 90);
    r["p99_us"] = Percentile(lat, 99);
    r["p999_us"] = Percentile(lat, 99.9);
    r["max_us"] = lat.empty() ? 0.0 : static_cast<double>(lat.back()) / 1e3;
    if (stats.errors > 0) {
      any_error = true;
      nlohmann::json codes;
      for (auto [code, n] : stats.error_codes) codes[std::to_string(code)] = n;
      r["error_codes"] = codes;
      r["first_error"] = stats.first_error;
    }
    out["rpcs"].push_back(r);
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << out.dump() << std::endl;
  } else {
    std::cout << absl::StrFormat("%s %s: %d channels x %d in flight, %.1f s measured\n",
                                 absl::GetFlag(FLAGS_label), absl::GetFlag(FLAGS_address),
                                 concurrency, inflight, seconds);
    std::cout << absl::StrFormat("%-10s %10s %8s %12s %9s %9s %9s %9s %9s\n", "rpc", "ok", "errors",
                                 "calls/s", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us");
    for (const auto& r : out["rpcs"]) {
      std::cout << absl::StrFormat(
          "%-10s %10d %8d %12.0f %9.0f %9.0f %9.0f %9.0f %9.0f\n", r["rpc"].get<std::string>(),
          r["ok"].get<uint64_t>(), r["errors"].get<uint64_t>(), r["throughput_per_s"].get<double>(),
          r["p50_us"].get<double>(), r["p90_us"].get<double>(), r["p99_us"].get<double>(),
          r["p999_us"].get<double>(), r["max_us"].get<double>());
      if (r.contains("first_error")) {
        std::cout << "  first error: " << r["first_error"].get<std::string>() << "\n";
      }
    }
  }
  return any_error ? 3 : 0;
}
