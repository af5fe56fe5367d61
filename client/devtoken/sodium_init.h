// Internal to registry_devtoken: one-time libsodium initialization.
#pragma once

namespace registry::devtoken::internal {

// Runs sodium_init() once per process; aborts with a message if libsodium cannot initialize
// (the dev tools cannot do anything useful without it). Thread-safe.
void EnsureSodium();

}  // namespace registry::devtoken::internal
