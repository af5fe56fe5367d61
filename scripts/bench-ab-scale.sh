#!/usr/bin/env bash
# bench-ab-scale.sh A_REGISTRYD B_REGISTRYD: bench-ab.sh's side-by-side comparison on the cached
# 1 000 000-registry set of `make bench-scale` (100 000 owners x 10). Each build gets its own copy
# of the set (SST files hard-linked, the rest copied, as bench-scale.sh does), both are swept once
# (every owner resolved once: each owner's index cached, its audit hour entry written), then in
# each round both are loaded at the same time with random-owner resolves (4 x 32 in flight,
# 3 images). Per round: each server's calls/s and CPU per call (utime+stime over the round /
# calls) and B/A of CPU per call; at the end the median ratio and each server's resident memory.
#
#   scripts/bench-ab-scale.sh old/bin/registryd build/bin/registryd
#
# Both servers hold the set at once (~2 x 450 MiB) and share the machine, so compare ratios, not
# absolute rates. Knobs: BENCH_BUILD_DIR (registry-bench, registryctl, registry-scale-loader;
# default build-bench), BENCH_AB_ROUNDS (5), BENCH_DURATION (8s), BENCH_SCALE_CACHE
# (var/bench-scale), BENCH_SCALE_VERSION (v1), BENCH_SCALE_OWNERS (100000).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A_BIN=$(realpath "${1:?usage: bench-ab-scale.sh A_REGISTRYD B_REGISTRYD}")
B_BIN=$(realpath "${2:?usage: bench-ab-scale.sh A_REGISTRYD B_REGISTRYD}")
BIN=${BENCH_BUILD_DIR:-$ROOT/build-bench}/bin
ROUNDS=${BENCH_AB_ROUNDS:-5}
DURATION=${BENCH_DURATION:-8s}
OWNERS=${BENCH_SCALE_OWNERS:-100000}
SET=${BENCH_SCALE_CACHE:-$ROOT/var/bench-scale}/${BENCH_SCALE_VERSION:-v1}-${OWNERS}x10
ISSUER=cloudmanager-dev
if [[ ! -f "$SET/complete" ]]; then
  echo "bench-ab-scale: no complete data set in $SET; run make bench-scale first" >&2
  exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/registry-bench-ab-scale.XXXXXX")
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

"$BIN/registryctl" dev token --key "$SET/signing.key" --issuer "$ISSUER" \
  --sub deployment-service --scope "credentials.resolve" --ttl 86400 >"$WORK/resolver.token"
common=(--signing-key="$SET/signing.key" --kid=dev --issuer="$ISSUER"
  --token-file="$WORK/resolver.token" --owners="$OWNERS" --registries-per-owner=10
  --images-per-request=3 --concurrency=4 --inflight=32)

declare -A PID PORT CLIENT
for side in A B; do
  binary=$A_BIN
  [[ $side == B ]] && binary=$B_BIN
  mkdir "$WORK/data-$side"
  for f in "$SET"/data/*; do
    if [[ "$f" == *.sst ]]; then
      ln "$f" "$WORK/data-$side/" 2>/dev/null || cp -p "$f" "$WORK/data-$side/"
    else
      cp -p "$f" "$WORK/data-$side/"  # RocksDB appends to these: never shared.
    fi
  done
  PORT[$side]=$(free_port)
  "$binary" --listen="127.0.0.1:${PORT[$side]}" --data-dir="$WORK/data-$side" \
    --master-key-file="$SET/master.key" --jwks-file="$SET/jwks.json" --jwt-issuer="$ISSUER" \
    --reflection=false >"$WORK/registryd-$side.log" 2>&1 &
  PID[$side]=$!
  PIDS+=("${PID[$side]}")
  "$BIN/registry-scale-loader" --wait-serving="127.0.0.1:${PORT[$side]}" \
    --wait-pid="${PID[$side]}" --timeout=300s >/dev/null 2>&1 ||
    { echo "bench-ab-scale: registryd $side did not start:" >&2; cat "$WORK/registryd-$side.log" >&2; exit 1; }
done
echo "bench-ab-scale: sweeping every owner on both..." >&2
for side in A B; do
  "$BIN/registry-bench" --address="127.0.0.1:${PORT[$side]}" "${common[@]}" --owner-choice=sweep \
    --duration=600s --warmup=0s --rpc=resolve --json >/dev/null 2>&1 &
  CLIENT[$side]=$!
done
wait "${CLIENT[A]}" "${CLIENT[B]}"

# One side's client for a round (ab_rounds): random owners of the whole set.
ab_client() {
  "$BIN/registry-bench" --address="127.0.0.1:${PORT[$1]}" "${common[@]}" --owner-choice=random \
    --duration="$DURATION" --warmup=0s --rpc=resolve --json >"$WORK/$1.json"
}
ab_rounds "$ROUNDS" "$DURATION" "resolve on the 1M set" ab_client
for side in A B; do
  echo "$side resident memory: $(awk '/VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/${PID[$side]}/status")"
done
