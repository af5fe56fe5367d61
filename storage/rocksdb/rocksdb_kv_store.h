// RocksDbKvStore: the production KvStore, one RocksDB database in one data directory.
// Layout: the single default column family; key spaces are separated by prefixes (see
// storage/README.md). Every write is one synced rocksdb::WriteBatch (unless a bulk loader turns
// RocksDbOptions::sync_writes off). The RocksDB tuning (block cache, bloom filters, the owner
// prefix extractor) is described in rocksdb_kv_store.cc and storage/rocksdb/README.md.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace registry::storage {

struct RocksDbOptions {
  // Data directory. Holds the RocksDB files plus `registryd.lock`.
  std::string path;
  // Create the directory (mkdir -p) and an empty database when they do not exist.
  bool create_if_missing = true;
  // Size of the LRU block cache shared by all table readers. Index and filter blocks live in
  // it too (high-priority pool), so this bounds the memory the SST files cost whatever the
  // number of records. 64 MiB holds the index and filters of ~1 000 000 registries plus the
  // hot data blocks.
  size_t block_cache_bytes = 64 << 20;
  // Sync the WAL on every Write (an OK Write is durable). Only offline bulk loaders
  // (bench/scale_loader.cc) turn this off, and they call Flush() before they report success;
  // the server never sets it.
  bool sync_writes = true;
};

// The prefix-extractor domain: for a key "r/<collection>/<id>/<rest>" (a registry record, see
// storage/README.md) the length of "r/<collection>/<id>/", i.e. one owner's registry prefix;
// 0 for every other key. Exposed for tests.
size_t OwnerPrefixLength(std::string_view key);

// KvStore over RocksDB.
// Writes use WriteOptions::sync = true (RocksDbOptions::sync_writes), so an OK Write is in the
// synced WAL; RocksDB's group commit lets concurrent writers share one fsync. Scan iterates over
// a snapshot; a Scan whose prefix is exactly one owner's "r/<collection>/<id>/" uses the prefix
// bloom filters, every other Scan is a plain total-order scan (same results either way).
// Thread safety: all methods may be called concurrently.
// Exclusivity: the data directory is flock()ed for the lifetime of the object, so a second
// RocksDbKvStore on the same path (in this or any other process) fails to open.
class RocksDbKvStore final : public KvStore {
 public:
  // Locks `options.path` and opens the database in it. Errors:
  //   FAILED_PRECONDITION  the directory is locked by another store ("... is in use by another
  //                        registryd process"), or it cannot be opened with these options.
  //   NOT_FOUND            the directory or database is missing and create_if_missing is false.
  //   DATA_LOSS            the database is corrupt. It is never repaired or reset: the operator
  //                        must restore from a backup.
  //   UNAVAILABLE          any other I/O error.
  static absl::StatusOr<std::unique_ptr<RocksDbKvStore>> Open(const RocksDbOptions& options);

  // Flushes the memtables (so the next open replays no WAL), syncs the WAL, closes the database
  // and then releases the directory lock.
  ~RocksDbKvStore() override;

  // KvStore:
  absl::StatusOr<std::string> Get(std::string_view key) override;
  absl::Status Write(const WriteBatch& batch) override;
  absl::StatusOr<std::vector<KeyValue>> Scan(std::string_view prefix, std::string_view start_after,
                                             size_t limit) override;

  // Flushes the memtables to SST files and syncs the WAL, so everything written so far is
  // durable and a later open replays no WAL. For bulk loaders with sync_writes = false.
  absl::Status Flush();
  // Compacts the whole key range into the bottom level (blocking; ~5 s per GB here). For offline
  // bulk loaders, so the server starts on a settled LSM tree with no compaction debt.
  absl::Status CompactAll();

  // The underlying database, for backups and checkpoints (rocksdb::BackupEngine,
  // rocksdb::Checkpoint). Owned by this store and valid for its lifetime; never null. Callers
  // must not close or delete it, and must not write to it (writes bypass the barrier). Callers
  // include the RocksDB headers and link RocksDB themselves.
  rocksdb::DB* db() const { return db_.get(); }

 private:
  RocksDbKvStore(std::string path, int lock_fd, std::unique_ptr<rocksdb::DB> db, bool sync_writes);

  const std::string path_;
  const bool sync_writes_;
  const int lock_fd_;  // Holds the flock() on <path>/registryd.lock; closed last.
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace registry::storage
