// Command-line arguments of registryctl: positionals plus `--name value` / `--name=value`
// options and boolean switches.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace registry::ctl {

struct Args {
  std::vector<std::string> positionals;
  std::map<std::string, std::string> options;  // Without the leading "--".
  std::set<std::string> switches;              // Boolean flags that were given.

  std::optional<std::string> Option(const std::string& name) const;
  bool Switch(const std::string& name) const { return switches.count(name) > 0; }
};

// Parses `argv` (without the program name). `switch_names` lists the boolean flags; every
// other `--name` takes a value. INVALID_ARGUMENT on a missing value or a repeated option.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                               const std::set<std::string>& switch_names);

}  // namespace registry::ctl
