// RocksDbKvStore implementation: directory locking, option setup, status mapping.
// Note: Debian's abseil has its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0), so
// std::string_view arguments are converted to std::string before reaching absl::StrCat.
#include "storage/rocksdb/rocksdb_kv_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace registry::storage {

size_t OwnerPrefixLength(std::string_view key) {
  if (!key.starts_with("r/")) return 0;
  const size_t collection_end = key.find('/', 2);
  if (collection_end == std::string_view::npos) return 0;
  const size_t id_end = key.find('/', collection_end + 1);
  if (id_end == std::string_view::npos) return 0;
  return id_end + 1;
}

namespace {

namespace fs = std::filesystem;

constexpr char kLockFileName[] = "registryd.lock";

// Maps a RocksDB status from a read or write on an open database.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(std::string(what), ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument() || s.IsNotSupported()) return absl::InternalError(message);
  return absl::UnavailableError(message);
}

absl::Status CorruptError(const std::string& path, const std::string& detail) {
  return absl::DataLossError(absl::StrCat("data dir ", path, " is corrupt: ", detail,
                                          "; refusing to start (restore from a backup)"));
}

// True when `dir` holds RocksDB files that only make sense next to a CURRENT file. Opening
// such a directory with create_if_missing would silently start a new, empty database.
bool HasOrphanDatabaseFiles(const std::string& dir) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("MANIFEST-") || name == "IDENTITY" || name.ends_with(".sst") ||
        name.ends_with(".log")) {
      return true;
    }
  }
  return false;
}

// Creates (when allowed) and flock()s <path>/registryd.lock. Returns the locked fd.
absl::StatusOr<int> LockDataDir(const RocksDbOptions& options) {
  const std::string& path = options.path;
  std::error_code ec;
  if (options.create_if_missing) {
    fs::create_directories(path, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot create data dir ", path, ": ", ec.message()));
    }
  } else if (!fs::is_directory(path, ec)) {
    return absl::NotFoundError(absl::StrCat("data dir ", path, " does not exist"));
  }
  const std::string lock_path = (fs::path(path) / kLockFileName).string();
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open lock file ", lock_path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("data dir ", path, " is in use by another registryd process"));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot lock ", lock_path, ": ", std::strerror(err)));
  }
  return fd;
}

// Registry records are "r/<collection>/<id>/<registry_id>" (<collection> is users or groups,
// neither part contains '/'). The extractor maps them to "r/<collection>/<id>/", one owner's
// prefix: the prefix every owner scan (ListRegistries' pages) uses. Cutting at a delimiter keeps
// the order properties RocksDB requires (k1 <= k2 implies prefix(k1) <= prefix(k2);
// prefix(prefix(k)) == prefix(k)). Every other key (audit events, metadata, the barrier's keys) is
// outside the domain and gets no prefix entry.
class OwnerPrefixExtractor final : public rocksdb::SliceTransform {
 public:
  // The name is stored in every SST file's properties; change it if the mapping ever changes
  // (RocksDB then ignores the old files' prefix filters instead of misreading them).
  const char* Name() const override { return "registry.OwnerPrefix.v1"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), OwnerPrefixLength(key.ToStringView()));
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return OwnerPrefixLength(key.ToStringView()) != 0;
  }
};

// Bits per key of the bloom filters (~1 % false positives).
constexpr int kBloomBitsPerKey = 10;
// Memtable size; at most kMaxWriteBuffers of them exist (one being written, one flushing).
constexpr size_t kWriteBufferBytes = 32 << 20;
constexpr int kMaxWriteBuffers = 2;
// Memtable bloom filter size as a fraction of the memtable: 320 KiB per 32 MiB memtable, over
// 20 bits per key at the ~110 000 audit events (~300 bytes each) a memtable holds.
constexpr double kMemtableBloomRatio = 0.01;
// Table files kept open; with index/filter blocks in the block cache an open table reader
// costs little memory, and at 64 MiB per SST file 256 files is ~16 GiB of data.
constexpr int kMaxOpenFiles = 256;
// Read-ahead of whole-key-space scans that page through many keys: about one page of the
// barrier's start-up check (4 096 values, ~1 MiB) per read instead of one pread per 4 KiB
// block. Measured at 1 000 000 registries: 1 MiB beats 512 KiB and equals 2 MiB.
constexpr size_t kFullScanReadaheadBytes = 1 << 20;
constexpr size_t kFullScanReadaheadMinLimit = 1024;

// The options, each choice for a read-mostly store of small, encrypted values at up to a few
// million keys in bounded memory (storage/rocksdb/README.md has the reasoning and measurements).
rocksdb::Options MakeOptions(const RocksDbOptions& options, bool create) {
  rocksdb::BlockBasedTableOptions table;
  // A bounded LRU block cache for data, index and filter blocks. Half of it is the
  // high-priority pool that index and filter blocks go to, so a scan of many data blocks
  // (the barrier's start-up check, a rewrap) cannot evict them.
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes, /*num_shard_bits=*/-1,
                                           /*strict_capacity_limit=*/false,
                                           /*high_pri_pool_ratio=*/0.5);
  // Index and filter blocks are cached (and evictable) instead of held by every open table
  // reader outside any limit: memory stays bounded by block_cache_bytes at any data size, and
  // opening a table reads only its small top-level index. Both are partitioned into 4 KiB blocks
  // under a small top-level index that stays pinned: a lookup or a new iterator touches one small
  // partition instead of a per-file index of ~1 MiB (per 64 MiB file), so a cache miss costs little
  // and scans that bypass the cache (see Scan) stay cheap. L0 files' partitions stay pinned too.
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Bloom filter: whole keys (Get of a record, or of a missing id when creating) and, through
  // the prefix extractor, owner prefixes (a Seek to an owner skips files without that owner).
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
  table.whole_key_filtering = true;
  // A small hash index inside each data block: a point lookup finds its key without a binary
  // search over the block's restart points (the Resolve path is point lookups).
  table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  // Size filter allocations to what the cache allocator hands out (less internal waste).
  table.optimize_filters_for_memory = true;
  table.format_version = 5;

  rocksdb::Options db_options;
  db_options.create_if_missing = create;
  db_options.paranoid_checks = true;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  db_options.prefix_extractor = std::make_shared<OwnerPrefixExtractor>();
  // Values are XChaCha20-Poly1305 ciphertext (incompressible) and keys are already
  // prefix-delta encoded inside blocks: compression would cost CPU on every write and
  // compaction for nothing.
  db_options.compression = rocksdb::kNoCompression;
  db_options.bottommost_compression = rocksdb::kNoCompression;
  // A bloom filter over each memtable's whole keys: a point read of a key the memtable does not
  // hold (the Resolve path's record reads, while the memtables fill with audit events) skips the
  // skiplist search instead of walking it.
  db_options.memtable_prefix_bloom_size_ratio = kMemtableBloomRatio;
  db_options.memtable_whole_key_filtering = true;
  // No filter check at the last level: reads there are hits (a resolve reads records its index
  // names), for which a filter only costs a partition lookup and a probe. Files written there
  // also leave their filters out (most of the filter memory). A Get of a missing key (a create's
  // id check) reaches the last level's index and data block instead.
  db_options.optimize_filters_for_hits = true;
  db_options.write_buffer_size = kWriteBufferBytes;
  db_options.max_write_buffer_number = kMaxWriteBuffers;
  db_options.max_open_files = kMaxOpenFiles;
  // One flush and one compaction at a time: the machine has few cores and serves requests.
  db_options.max_background_jobs = 2;
  // Writers that join another writer's group wait on a condition variable instead of spinning
  // and yielding for up to 100 µs (RocksDB's default): on a few cores shared with the gRPC
  // threads, the spinning burns the CPU the requests need. (registryd's data writes come from
  // the barrier's one committer thread; keyring and rewrap writes still meet it here.)
  db_options.enable_write_thread_adaptive_yield = false;
  // Write SST data to disk in 1 MiB steps instead of one large sync at the end of a file.
  db_options.bytes_per_sync = 1 << 20;
  // The info LOG: a few bounded files, not one that grows forever.
  db_options.max_log_file_size = 16 << 20;
  db_options.keep_log_file_num = 4;
  return db_options;
}

// The smallest string greater than every string starting with `prefix`; empty when there is
// none (the prefix is empty or all 0xff).
std::string PrefixSuccessor(std::string_view prefix) {
  std::string bound(prefix);
  while (!bound.empty() && static_cast<unsigned char>(bound.back()) == 0xff) bound.pop_back();
  if (!bound.empty())
    bound.back() = static_cast<char>(static_cast<unsigned char>(bound.back()) + 1);
  return bound;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbKvStore>> RocksDbKvStore::Open(
    const RocksDbOptions& options) {
  const std::string& path = options.path;
  if (path.empty()) return absl::InvalidArgumentError("RocksDbOptions.path is empty");

  absl::StatusOr<int> lock_fd = LockDataDir(options);
  if (!lock_fd.ok()) return lock_fd.status();
  auto unlock = [fd = *lock_fd] { ::close(fd); };

  std::error_code ec;
  const bool has_current = fs::exists(fs::path(path) / "CURRENT", ec);
  if (!has_current && HasOrphanDatabaseFiles(path)) {
    unlock();
    return CorruptError(path, "CURRENT is missing but database files exist");
  }
  if (!has_current && !options.create_if_missing) {
    unlock();
    return absl::NotFoundError(absl::StrCat("data dir ", path, " holds no database"));
  }

  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(MakeOptions(options, !has_current), path, &raw_db);
  if (!s.ok()) {
    unlock();
    // A database whose CURRENT exists but whose files are missing is as broken as one whose
    // files are garbled: both are DATA_LOSS, never a reason to start afresh.
    if (s.IsCorruption() || (has_current && s.IsPathNotFound())) {
      return CorruptError(path, s.ToString());
    }
    if (s.IsInvalidArgument() || s.IsNotSupported()) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot open data dir ", path, ": ", s.ToString()));
    }
    return absl::UnavailableError(absl::StrCat("cannot open data dir ", path, ": ", s.ToString()));
  }
  return std::unique_ptr<RocksDbKvStore>(new RocksDbKvStore(
      path, *lock_fd, std::unique_ptr<rocksdb::DB>(raw_db), options.sync_writes));
}

RocksDbKvStore::RocksDbKvStore(std::string path, int lock_fd, std::unique_ptr<rocksdb::DB> db,
                               bool sync_writes)
    : path_(std::move(path)), sync_writes_(sync_writes), lock_fd_(lock_fd), db_(std::move(db)) {}

RocksDbKvStore::~RocksDbKvStore() {
  // Every acknowledged write is already synced; these make the shutdown clean regardless.
  // Errors cannot be reported from a destructor and do not endanger acknowledged data.
  // Flushing the memtables to SST files here means the next open has no WAL to replay (and no
  // L0 file to write while it recovers): a clean restart reaches SERVING sooner.
  rocksdb::FlushOptions flush_options;
  flush_options.wait = true;
  (void)db_->Flush(flush_options);
  (void)db_->FlushWAL(/*sync=*/true);
  (void)db_->Close();
  db_.reset();
  ::close(lock_fd_);  // Releases the flock() only once RocksDB is fully closed.
}

absl::StatusOr<std::string> RocksDbKvStore::Get(std::string_view key) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), rocksdb::Slice(key), &value);
  if (s.IsNotFound()) return absl::NotFoundError("key not found");
  if (!s.ok()) return FromRocks(s, "rocksdb get");
  return value;
}

absl::Status RocksDbKvStore::Write(const WriteBatch& batch) {
  if (batch.mutations.empty()) return absl::OkStatus();
  // Applied in key order. RocksDB inserts a batch into the memtable skiplist entry by entry and
  // starts each insert from where the previous one landed when that still brackets the key; in
  // key order the entries of a merged group (an owner's record and index, many events of one
  // registry) go next to each other instead of alternating between distant key ranges, each
  // insert a search from the top. The sort is stable: a key's mutations keep their order, so
  // the batch means the same (its last mutation of a key wins) and stays atomic.
  std::vector<const KvMutation*> in_key_order;
  in_key_order.reserve(batch.mutations.size());
  for (const KvMutation& m : batch.mutations) in_key_order.push_back(&m);
  std::stable_sort(in_key_order.begin(), in_key_order.end(),
                   [](const KvMutation* a, const KvMutation* b) { return a->key < b->key; });
  rocksdb::WriteBatch rocks_batch;
  for (const KvMutation* m : in_key_order) {
    rocksdb::Status s = m->kind == KvMutation::Kind::kPut
                            ? rocks_batch.Put(rocksdb::Slice(m->key), rocksdb::Slice(m->value))
                            : rocks_batch.Delete(rocksdb::Slice(m->key));
    if (!s.ok()) return FromRocks(s, "rocksdb batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync_writes_;
  return FromRocks(db_->Write(write_options, &rocks_batch), "rocksdb write");
}

absl::Status RocksDbKvStore::Flush() {
  rocksdb::FlushOptions flush_options;
  flush_options.wait = true;
  if (absl::Status flushed = FromRocks(db_->Flush(flush_options), "rocksdb flush"); !flushed.ok()) {
    return flushed;
  }
  return FromRocks(db_->SyncWAL(), "rocksdb wal sync");
}

absl::Status RocksDbKvStore::CompactAll() {
  rocksdb::CompactRangeOptions compact_options;
  compact_options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  return FromRocks(db_->CompactRange(compact_options, nullptr, nullptr), "rocksdb compaction");
}

absl::StatusOr<std::vector<KeyValue>> RocksDbKvStore::Scan(std::string_view prefix,
                                                           std::string_view start_after,
                                                           size_t limit) {
  // The smallest key strictly greater than start_after is start_after + '\0'.
  std::string start(prefix);
  if (!start_after.empty()) {
    std::string after(start_after);
    after.push_back('\0');
    if (after > start) start = std::move(after);
  }

  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  // A scan of the whole key space (the barrier's start-up term check, a rewrap, counting) reads
  // every block once: it bypasses the block cache instead of evicting the hot blocks with
  // blocks nobody will read again (and skips a cache insert + eviction per block), and reads
  // ahead in large steps instead of one pread per block when it pages through many keys.
  read_options.fill_cache = !prefix.empty();
  if (prefix.empty() && (limit == 0 || limit >= kFullScanReadaheadMinLimit)) {
    read_options.readahead_size = kFullScanReadaheadBytes;
  }
  // With a prefix extractor configured, RocksDB's default iterator is a prefix iterator whose
  // order outside the seek key's prefix is undefined. So: prefix mode (prefix bloom filters,
  // stops at the end of the prefix) only when `prefix` is exactly one owner's extractor prefix
  // and the seek key lies inside it, i.e. when every key the scan may return has that same
  // extracted prefix. Every other scan (empty, short or longer prefixes) is total order,
  // bounded above by the first key past the prefix.
  std::string upper_bound;
  rocksdb::Slice upper_bound_slice;
  if (!prefix.empty() && OwnerPrefixLength(prefix) == prefix.size() &&
      std::string_view(start).starts_with(prefix)) {
    read_options.total_order_seek = false;
    read_options.prefix_same_as_start = true;
  } else {
    read_options.total_order_seek = true;
    upper_bound = PrefixSuccessor(prefix);
    if (!upper_bound.empty()) {
      upper_bound_slice = rocksdb::Slice(upper_bound);
      read_options.iterate_upper_bound = &upper_bound_slice;
    }
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));

  std::vector<KeyValue> out;
  for (it->Seek(start); it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    if (!key.starts_with(prefix)) break;
    out.push_back({std::string(key), it->value().ToString()});
    if (limit != 0 && out.size() >= limit) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "rocksdb scan");
  return out;
}

}  // namespace registry::storage
