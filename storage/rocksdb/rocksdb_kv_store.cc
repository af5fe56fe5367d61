// RocksDbKvStore implementation: directory locking, option setup, status mapping.
// Note: Debian's abseil has its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0), so
// std::string_view arguments are converted to std::string before reaching absl::StrCat.
#include "storage/rocksdb/rocksdb_kv_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace registry::storage {
namespace {

namespace fs = std::filesystem;

constexpr char kLockFileName[] = "registryd.lock";
constexpr int kBloomBitsPerKey = 10;

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

rocksdb::Options MakeOptions(const RocksDbOptions& options, bool create) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));

  rocksdb::Options db_options;
  db_options.create_if_missing = create;
  db_options.paranoid_checks = true;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return db_options;
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
  return std::unique_ptr<RocksDbKvStore>(
      new RocksDbKvStore(path, *lock_fd, std::unique_ptr<rocksdb::DB>(raw_db)));
}

RocksDbKvStore::RocksDbKvStore(std::string path, int lock_fd, std::unique_ptr<rocksdb::DB> db)
    : path_(std::move(path)), lock_fd_(lock_fd), db_(std::move(db)) {}

RocksDbKvStore::~RocksDbKvStore() {
  // Every acknowledged write is already synced; these make the shutdown clean regardless.
  // Errors cannot be reported from a destructor and do not endanger acknowledged data.
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
  rocksdb::WriteBatch rocks_batch;
  for (const KvMutation& m : batch.mutations) {
    rocksdb::Status s = m.kind == KvMutation::Kind::kPut
                            ? rocks_batch.Put(rocksdb::Slice(m.key), rocksdb::Slice(m.value))
                            : rocks_batch.Delete(rocksdb::Slice(m.key));
    if (!s.ok()) return FromRocks(s, "rocksdb batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  return FromRocks(db_->Write(write_options, &rocks_batch), "rocksdb write");
}

absl::StatusOr<std::vector<KeyValue>> RocksDbKvStore::Scan(std::string_view prefix,
                                                           std::string_view start_after,
                                                           size_t limit) {
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));

  // The smallest key strictly greater than start_after is start_after + '\0'.
  std::string start(prefix);
  if (!start_after.empty()) {
    std::string after(start_after);
    after.push_back('\0');
    if (after > start) start = std::move(after);
  }

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
