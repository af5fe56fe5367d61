#include "tests/support/test_pki.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace registry::testing {
namespace {

void Shell(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    std::fprintf(stderr, "test PKI: failed: %s\n", command.c_str());
    std::abort();
  }
}

}  // namespace

Pki::Pki() {
  const std::string d = dir_.path();
  Shell(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ",
                     "-keyout ", d, "/ca.key -out ", d, "/ca.pem -subj /CN=test-ca -days 1"));
  for (const std::string name : {"server", "client"}) {
    Shell(absl::StrCat("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ",
                       "-keyout ", d, "/", name, ".key -out ", d, "/", name,
                       ".csr -subj /CN=", name == "server" ? "localhost" : "ci-client"));
    WriteFile(dir_.File(name + ".ext"), name == "server"
                                            ? "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                            : "extendedKeyUsage=clientAuth\n");
    Shell(absl::StrCat("openssl x509 -req -in ", d, "/", name, ".csr -CA ", d, "/ca.pem -CAkey ", d,
                       "/ca.key -CAcreateserial -days 1 -out ", d, "/", name, ".pem -extfile ", d,
                       "/", name, ".ext"));
  }
}

}  // namespace registry::testing
