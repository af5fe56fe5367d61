// Master key file parsing and loading, over libsodium's constant-time base64 codec.
#include "server/seal/master_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace registry::seal {
namespace {

// Refuse absurd files before allocating locked memory for them.
constexpr size_t kMaxKeyFileBytes = 1 << 20;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Decodes one whole base64 line into `out` (sized to hold at least the decoded bytes).
// Returns the decoded length, or -1 if the line is not valid base64 with or without padding.
long DecodeBase64(std::string_view line, SecureBytes& out) {
  // libsodium 1.0.18 decodes every byte >= 0x80 as the last alphabet character ('_' or '/'),
  // so such bytes would slip through as a second spelling of the same bytes: refuse them.
  for (char c : line) {
    if (static_cast<unsigned char>(c) >= 0x80) return -1;
  }
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING}) {
    size_t len = 0;
    // b64_end == nullptr: the whole input must be consumed, otherwise it is an error.
    if (sodium_base642bin(out.data(), out.size(), line.data(), line.size(), /*ignore=*/nullptr,
                          &len, /*b64_end=*/nullptr, variant) == 0) {
      return static_cast<long>(len);
    }
  }
  return -1;
}

// `source` names the input in messages, e.g. "master key file /etc/registryd/master.key".
absl::StatusOr<MasterKeys> Parse(std::string_view contents, const std::string& source) {
  EnsureSodiumInitialized();
  MasterKeys result;
  size_t line_number = 0;
  while (!contents.empty()) {
    ++line_number;
    const size_t eol = contents.find('\n');
    std::string_view line = Trim(contents.substr(0, eol));
    contents.remove_prefix(eol == std::string_view::npos ? contents.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;

    SecureBytes decoded(line.size());  // Base64 never decodes to more bytes than it has chars.
    const long len = DecodeBase64(line, decoded);
    if (len < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, " line ", line_number, ": not valid base64"));
    }
    if (static_cast<size_t>(len) != kMasterKeySize) {
      return absl::InvalidArgumentError(absl::StrCat(source, " line ", line_number, ": decodes to ",
                                                     len, " bytes, want ", kMasterKeySize));
    }
    result.keys.push_back(SecureBytes::CopyOf(decoded.view().substr(0, kMasterKeySize)));
  }
  if (result.keys.empty()) return absl::InvalidArgumentError(absl::StrCat(source, " holds no key"));
  return result;
}

absl::Status ReadError(const std::string& path, int err) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot read master key file ", path, ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<MasterKeys> ParseMasterKeys(std::string_view file_contents) {
  return Parse(file_contents, "master key file");
}

absl::StatusOr<MasterKeys> LoadMasterKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ReadError(path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ReadError(path, err);
  }
  if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > kMaxKeyFileBytes) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat("cannot read master key file ", path,
                                                      ": not a regular file of at most 1 MiB"));
  }
  // Read straight into locked memory; reads past the stat()ed size are not expected.
  SecureBytes contents(static_cast<size_t>(st.st_size));
  size_t filled = 0;
  while (filled < contents.size()) {
    const ssize_t n = ::read(fd, contents.data() + filled, contents.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ReadError(path, err);
    }
    if (n == 0) break;  // Shrunk while reading: parse what is there.
    filled += static_cast<size_t>(n);
  }
  ::close(fd);
  return Parse(contents.view().substr(0, filled), absl::StrCat("master key file ", path));
}

std::string GenerateMasterKeyLine() {
  EnsureSodiumInitialized();
  SecureBytes key = SecureBytes::Random(kMasterKeySize);
  const size_t encoded_size =
      sodium_base64_ENCODED_LEN(kMasterKeySize, sodium_base64_VARIANT_ORIGINAL);
  std::string line(encoded_size, '\0');
  sodium_bin2base64(line.data(), line.size(), key.data(), key.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  line.resize(encoded_size - 1);  // Drop the terminating NUL.
  return line;
}

}  // namespace registry::seal
