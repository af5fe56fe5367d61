// A temporary directory removed (recursively) when the object dies.
#pragma once

#include <string>

namespace registry::testing {

class TempDir final {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `contents` to `path`, replacing it. Aborts the test binary on failure.
void WriteFile(const std::string& path, const std::string& contents);
// Reads the whole file; empty when it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace registry::testing
