// A throw-away PKI from the openssl CLI, for TLS tests.
#pragma once

#include <string>

#include "tests/support/temp_dir.h"

namespace registry::testing {

// A CA (ca.pem, ca.key) and, signed by it, a server certificate for localhost/127.0.0.1
// (server.pem, server.key) and a client certificate (client.pem, client.key), all EC P-256, in a
// temp dir removed with the object. Aborts the test binary when openssl fails.
class Pki final {
 public:
  Pki();
  std::string File(const std::string& name) const { return dir_.File(name); }
  std::string Read(const std::string& name) const { return ReadFile(dir_.File(name)); }

 private:
  TempDir dir_;
};

}  // namespace registry::testing
