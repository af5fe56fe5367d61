// RocksDbKvStore: the production KvStore, one RocksDB database in one data directory.
// Layout: the single default column family; key spaces are separated by prefixes (see
// storage/README.md). Every write is one synced rocksdb::WriteBatch.
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
  // Size of the LRU block cache shared by all table readers.
  size_t block_cache_bytes = 64 << 20;
};

// KvStore over RocksDB.
// Writes use WriteOptions::sync = true, so an OK Write is in the synced WAL; RocksDB's group
// commit lets concurrent writers share one fsync. Scan iterates over a snapshot.
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

  // Syncs the WAL, closes the database and then releases the directory lock.
  ~RocksDbKvStore() override;

  // KvStore:
  absl::StatusOr<std::string> Get(std::string_view key) override;
  absl::Status Write(const WriteBatch& batch) override;
  absl::StatusOr<std::vector<KeyValue>> Scan(std::string_view prefix, std::string_view start_after,
                                             size_t limit) override;

  // The underlying database, for backups and checkpoints (rocksdb::BackupEngine,
  // rocksdb::Checkpoint). Owned by this store and valid for its lifetime; never null. Callers
  // must not close or delete it, and must not write to it (writes bypass the barrier). Callers
  // include the RocksDB headers and link RocksDB themselves.
  rocksdb::DB* db() const { return db_.get(); }

 private:
  RocksDbKvStore(std::string path, int lock_fd, std::unique_ptr<rocksdb::DB> db);

  const std::string path_;
  const int lock_fd_;  // Holds the flock() on <path>/registryd.lock; closed last.
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace registry::storage
