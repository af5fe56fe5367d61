#include "server/app/memory_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace registry::app {
namespace {

absl::Status Errno(std::string_view what) {
  return absl::InternalError(
      absl::StrCat(absl::string_view(what.data(), what.size()), ": ", std::strerror(errno)));
}

// A new sealed memfd holding `contents` with mtime `seconds`; -1 and errno on failure.
int NewMemfd(const std::string& name, std::string_view contents, int64_t seconds) {
  const int fd = memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -1;
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = errno;
      close(fd);
      errno = saved;
      return -1;
    }
    written += static_cast<size_t>(n);
  }
  const struct timespec times[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT},
                                    {.tv_sec = static_cast<time_t>(seconds), .tv_nsec = 0}};
  if (futimens(fd, times) != 0 ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

}  // namespace

MemoryFile::MemoryFile(std::string name, int fd) noexcept
    : name_(std::move(name)), fd_(fd), path_(absl::StrCat("/proc/self/fd/", fd)) {}

MemoryFile::MemoryFile(MemoryFile&& other) noexcept
    : name_(std::move(other.name_)),
      fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      mtime_seconds_(other.mtime_seconds_) {}

MemoryFile& MemoryFile::operator=(MemoryFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    name_ = std::move(other.name_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    mtime_seconds_ = other.mtime_seconds_;
  }
  return *this;
}

MemoryFile::~MemoryFile() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<MemoryFile> MemoryFile::Create(std::string_view name, std::string_view contents) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string label(name);
  const int fd = NewMemfd(label, contents, now);
  if (fd < 0) return Errno("memfd for TLS material");
  MemoryFile file(std::move(label), fd);
  file.mtime_seconds_ = now;
  return file;
}

absl::Status MemoryFile::Replace(std::string_view contents) {
  const int64_t seconds = std::max<int64_t>(std::time(nullptr), mtime_seconds_ + 1);
  const int fd = NewMemfd(name_, contents, seconds);
  if (fd < 0) return Errno("memfd for TLS material");
  // dup3 swaps the file behind fd_ in one step: opens of the path see old or new, never neither.
  const bool swapped = dup3(fd, fd_, O_CLOEXEC) >= 0;
  const int saved = errno;
  close(fd);
  if (!swapped) {
    errno = saved;
    return Errno("dup3 of TLS material");
  }
  mtime_seconds_ = seconds;
  return absl::OkStatus();
}

}  // namespace registry::app
