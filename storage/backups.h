// Backups: the storage seam for consistent online backups of a whole store. Backups hold the
// store's bytes as they are (sealed values), so they are as safe as the data dir itself.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace registry::storage {

struct BackupInfo {
  uint32_t backup_id = 0;
  uint64_t size_bytes = 0;
  absl::Time create_time;
};

// Thread-safe: backups may run while the store serves reads and writes.
class Backups {
 public:
  virtual ~Backups() = default;
  Backups() = default;
  Backups(const Backups&) = delete;
  Backups& operator=(const Backups&) = delete;

  // Takes a consistent backup holding every write acknowledged before the call and nothing
  // half-applied. UNAVAILABLE / FAILED_PRECONDITION when the backup dir cannot be written.
  virtual absl::StatusOr<BackupInfo> CreateBackup() = 0;
};

using BackupsPtr = std::unique_ptr<Backups>;

}  // namespace registry::storage
