// One-time libsodium initialization for registry_devtoken.
#include "client/devtoken/sodium_init.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace registry::devtoken::internal {

void EnsureSodium() {
  static const int kResult = sodium_init();
  if (kResult < 0) {
    std::fprintf(stderr, "registry_devtoken: libsodium failed to initialize\n");
    std::abort();
  }
}

}  // namespace registry::devtoken::internal
