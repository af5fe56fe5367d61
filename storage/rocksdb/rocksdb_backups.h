// RocksDB BackupEngine behind the Backups seam, and the offline restore.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/backups.h"
#include "storage/rocksdb/rocksdb_kv_store.h"

namespace rocksdb {
class BackupEngine;
}

namespace registry::storage {

class RocksDbBackups final : public Backups {
 public:
  // Opens (creating) the backup dir for `store`, which must outlive the returned object.
  static absl::StatusOr<std::unique_ptr<RocksDbBackups>> Open(RocksDbKvStore& store,
                                                              const std::string& backup_dir);
  ~RocksDbBackups() override;

  // Backups:
  // Flushes the memtable, then copies the live files (incremental: unchanged SST files are
  // shared between backups) and verifies nothing.
  absl::StatusOr<BackupInfo> CreateBackup() override;

 private:
  RocksDbBackups(RocksDbKvStore& store, std::unique_ptr<rocksdb::BackupEngine> engine);

  RocksDbKvStore& store_;
  absl::Mutex mu_;  // BackupEngine is not thread-safe; one backup at a time.
  std::unique_ptr<rocksdb::BackupEngine> engine_ ABSL_GUARDED_BY(mu_);
};

// Restores backup `backup_id` (0 = the latest) from `backup_dir` into `data_dir`, offline.
// `data_dir` must not hold a database already (FAILED_PRECONDITION): restore never overwrites.
// NOT_FOUND when there is no such backup.
absl::StatusOr<BackupInfo> RestoreRocksDbBackup(const std::string& backup_dir,
                                                const std::string& data_dir, uint32_t backup_id);

}  // namespace registry::storage
