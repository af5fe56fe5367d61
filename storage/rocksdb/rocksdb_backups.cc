#include "storage/rocksdb/rocksdb_backups.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/utilities/backup_engine.h"

namespace registry::storage {
namespace {

absl::Status FromRocks(const rocksdb::Status& status, const std::string& what) {
  if (status.ok()) return absl::OkStatus();
  if (status.IsNotFound()) return absl::NotFoundError(absl::StrCat(what, ": ", status.ToString()));
  return absl::UnavailableError(absl::StrCat(what, ": ", status.ToString()));
}

BackupInfo ToInfo(const rocksdb::BackupInfo& info) {
  return {.backup_id = info.backup_id,
          .size_bytes = info.size,
          .create_time = absl::FromUnixSeconds(info.timestamp)};
}

}  // namespace

RocksDbBackups::RocksDbBackups(RocksDbKvStore& store,
                               std::unique_ptr<rocksdb::BackupEngine> engine)
    : store_(store), engine_(std::move(engine)) {}

RocksDbBackups::~RocksDbBackups() = default;

absl::StatusOr<std::unique_ptr<RocksDbBackups>> RocksDbBackups::Open(
    RocksDbKvStore& store, const std::string& backup_dir) {
  std::error_code error;
  std::filesystem::create_directories(backup_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create --backup-dir ", backup_dir, ": ", error.message()));
  }
  rocksdb::BackupEngine* engine = nullptr;
  rocksdb::BackupEngineOptions options(backup_dir);
  options.sync = true;
  rocksdb::IOStatus opened = rocksdb::BackupEngine::Open(rocksdb::Env::Default(), options, &engine);
  if (!opened.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open --backup-dir ", backup_dir, ": ", opened.ToString()));
  }
  return std::unique_ptr<RocksDbBackups>(
      new RocksDbBackups(store, std::unique_ptr<rocksdb::BackupEngine>(engine)));
}

absl::StatusOr<BackupInfo> RocksDbBackups::CreateBackup() {
  absl::MutexLock lock(&mu_);
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  if (absl::Status created =
          FromRocks(engine_->CreateNewBackup(options, store_.db(), &id), "backup failed");
      !created.ok()) {
    return created;
  }
  rocksdb::BackupInfo info;
  if (absl::Status read = FromRocks(engine_->GetBackupInfo(id, &info), "backup info");
      !read.ok()) {
    return read;
  }
  return ToInfo(info);
}

absl::StatusOr<BackupInfo> RestoreRocksDbBackup(const std::string& backup_dir,
                                                const std::string& data_dir, uint32_t backup_id) {
  std::error_code error;
  if (std::filesystem::exists(data_dir, error) && !std::filesystem::is_empty(data_dir, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data-dir ", data_dir, " is not empty; restore only into a new or empty directory"));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::Env::Default(), rocksdb::BackupEngineOptions(backup_dir), &raw);
  if (!opened.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open backups in ", backup_dir, ": ", opened.ToString()));
  }
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> backups;
  engine->GetBackupInfo(&backups);
  if (backups.empty()) return absl::NotFoundError(absl::StrCat("no backup in ", backup_dir));
  const rocksdb::BackupInfo* chosen = &backups.back();
  if (backup_id != 0) {
    chosen = nullptr;
    for (const rocksdb::BackupInfo& info : backups) {
      if (info.backup_id == backup_id) chosen = &info;
    }
    if (chosen == nullptr) {
      return absl::NotFoundError(absl::StrCat("no backup ", backup_id, " in ", backup_dir));
    }
  }
  std::filesystem::create_directories(data_dir, error);
  if (absl::Status restored = FromRocks(
          engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen->backup_id, data_dir,
                                      data_dir),
          "restore failed");
      !restored.ok()) {
    return restored;
  }
  return ToInfo(*chosen);
}

}  // namespace registry::storage
