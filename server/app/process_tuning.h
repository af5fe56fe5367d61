// Process-wide settings that make the hot path cheaper without changing behaviour.
#pragma once

namespace registry::app {

// Call first thing in main(), before anything uses libsodium or takes an absl::Mutex:
// - libsodium's random bytes come from its internal generator (ChaCha20, per thread, seeded
//   and reseeded from getrandom()) instead of one getrandom() system call per nonce, event id
//   and request id; system calls are the dearest thing on a virtualized host.
// - absl::Mutex deadlock detection is off: Debian's abseil keeps it on, which maintains a
//   global lock graph on every lock acquisition; the lock order is fixed by design here.
void TuneProcessForServing();

}  // namespace registry::app
