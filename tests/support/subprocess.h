// Runs a binary as a child process with its stderr captured to a file (for tests of registryd
// startup, signals and crashes).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace registry::testing {

class Subprocess final {
 public:
  // Starts `argv[0]` with `argv`; `env` entries are added to the inherited environment.
  // stdout and stderr go to `log_path`.
  Subprocess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             std::string log_path);
  ~Subprocess();  // SIGKILLs the child if it still runs.

  // Waits up to `timeout` for exit; returns the exit code, 128+signal, or -1 on timeout.
  int Wait(absl::Duration timeout);
  void Signal(int signal);
  // Waits up to `timeout` until the log contains `text`; false on timeout or early exit.
  bool WaitForLog(const std::string& text, absl::Duration timeout);
  std::string Log() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  std::string log_path_;
};

}  // namespace registry::testing
