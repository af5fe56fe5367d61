// OpenSealedBarrier: the Barrier implementation over a KvStore, unlocked by the master keys.
// The keyring lives at kKeyringKey sealed under the master key (envelope term 0); a check
// value at kCheckKey tells which master key line opens the data dir.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "server/seal/barrier.h"
#include "server/seal/master_key.h"
#include "storage/kv_store.h"

namespace registry::seal {

// Every key under this prefix is the barrier's own (see Barrier).
inline constexpr std::string_view kBarrierKeyPrefix = "m/barrier/";
// The serialized Keyring, sealed under the current master key with envelope term 0.
inline constexpr std::string_view kKeyringKey = "m/barrier/keyring";
// A known constant sealed under the current master key with envelope term 0.
inline constexpr std::string_view kCheckKey = "m/barrier/check";

// Opens (or, on an empty store, initializes) the barrier over `store`, which it takes over.
//   Empty store: creates a term-1 keyring, seals it and the check value under
//     master_keys.keys[0] and writes both in one batch.
//   Existing store: the first master key that opens the check value (authenticated by the
//     AEAD, not by error text) opens the keyring. Then every stored value's header is read
//     (one full key+header scan, nothing is opened) to check that the keyring holds its term.
//     Only then, if the opening key is not keys[0], the keyring and check value are re-sealed
//     under keys[0] in one atomic batch, so the older line can afterwards be removed from the
//     master key file. A refused open writes nothing.
// Errors:
//   INVALID_ARGUMENT     store is null, no master key, or a master key is not 32 bytes.
//   FAILED_PRECONDITION  no master key opens the check value: "master key does not open the
//                        data dir (check value mismatch): wrong --master-key-file?".
//                        A stored value carries a term the keyring lacks: "value <key> is
//                        sealed with key term N, which the keyring does not hold; refusing to
//                        start" (the first such key in key order). Values that are not sealed
//                        values at all (truncated, unknown version) do not stop the start;
//                        reading them is DATA_LOSS for that record.
//   DATA_LOSS            barrier metadata is missing or corrupt while the store holds data, or
//                        the keyring fails to open/parse under the key that opened the check.
//   anything the store returns (e.g. UNAVAILABLE).
// Only keys[0] is kept (in locked memory); the rest of `master_keys` is wiped on return.
absl::StatusOr<BarrierPtr> OpenSealedBarrier(storage::KvStorePtr store, MasterKeys master_keys);

}  // namespace registry::seal
