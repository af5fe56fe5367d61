// Master keys: the keys that seal the keyring, read from --master-key-file.
// File format: one standard base64 (RFC 4648 alphabet, padding optional) encoding of exactly
// 32 random bytes per line. The first key line is current; later lines are older keys still
// accepted for opening the keyring. Blank lines, `#` comment lines, surrounding whitespace and
// CRLF line ends are ignored. Error messages never contain key material.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/seal/secure_bytes.h"

namespace registry::seal {

// Size of every master key and data key.
inline constexpr size_t kMasterKeySize = 32;

struct MasterKeys {
  // Never empty once parsed. keys[0] is current; keys[1..] are older keys, newest first.
  // Each holds kMasterKeySize bytes.
  std::vector<SecureBytes> keys;
};

// Parses the contents of a master key file. INVALID_ARGUMENT naming the 1-based line number
// when a line is not base64 or does not decode to 32 bytes, or when there is no key at all.
absl::StatusOr<MasterKeys> ParseMasterKeys(std::string_view file_contents);

// Reads and parses the master key file at `path`. The file's bytes are only held in
// sodium_malloc memory and are wiped after parsing. Errors:
//   FAILED_PRECONDITION "cannot read master key file <path>: <strerror>"
//   INVALID_ARGUMENT    "master key file <path> holds no key", or a line is malformed.
absl::StatusOr<MasterKeys> LoadMasterKeyFile(const std::string& path);

// A new master key line: base64 (with padding) of 32 random bytes, no trailing newline. For
// tooling that creates or extends a master key file.
std::string GenerateMasterKeyLine();

}  // namespace registry::seal
