// MemoryFile: bytes under a file path without putting them on disk, for a library that only
// reads files (gRPC's certificate file watcher).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace registry::app {

// An in-memory file (memfd) under a fixed /proc/self/fd path. Replace swaps in a new file whole
// (dup3), so a reader that opens the path gets the old contents or the new, never a mix. Each
// version gets a later whole-second mtime than the one before, so a reader that compares mtimes
// around two reads of the path (gRPC's file watcher does, in seconds) notices a swap between
// them. Not thread-safe; the path is readable by this process only.
class MemoryFile final {
 public:
  // `name` shows in /proc/self/fd links (a label, not a path). INTERNAL when memfd fails.
  static absl::StatusOr<MemoryFile> Create(std::string_view name, std::string_view contents);
  MemoryFile(MemoryFile&& other) noexcept;
  MemoryFile& operator=(MemoryFile&& other) noexcept;
  ~MemoryFile();

  // Replaces the contents whole; on error the old contents stay.
  absl::Status Replace(std::string_view contents);
  const std::string& path() const { return path_; }

 private:
  MemoryFile(std::string name, int fd) noexcept;

  std::string name_;
  int fd_ = -1;
  std::string path_;
  int64_t mtime_seconds_ = 0;  // Of the current version.
};

}  // namespace registry::app
