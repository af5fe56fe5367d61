// Command-line spelling shared by registryd and the bench tools: absl flags are identifiers
// (`--data_dir`), operators type `--data-dir`.
#pragma once

#include <string>
#include <vector>

namespace registry::app {

// Copies argv into `storage` with dashes in every `--flag-name` (up to `=`, and before a bare
// `--`) turned into underscores; returns pointers into `storage` for absl::ParseCommandLine.
std::vector<char*> NormalizeFlagNames(int argc, char** argv, std::vector<std::string>& storage);

}  // namespace registry::app
