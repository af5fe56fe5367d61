#!/usr/bin/env bash
# bench-ab.sh A_REGISTRYD B_REGISTRYD [resolve|create|get|list]: two registryd builds side by side, each
# on its own fresh data dir, loaded at the same time by two registry-bench clients, so the
# shared machine's drift hits both alike (measured one after the other, the same binary varies by
# 15 % and more between runs here; side by side, A against A differs by ~1 %). Per round it
# prints each server's calls/s and its CPU per call (utime+stime of its /proc/PID/stat over the
# round / calls), and B/A of CPU per call; at the end the median of the per-round ratios.
#
#   scripts/bench-ab.sh old/bin/registryd build/bin/registryd resolve
#
# Knobs: BENCH_BUILD_DIR (registry-bench and registryctl; default build-bench), BENCH_AB_ROUNDS
# (5), BENCH_DURATION (8s). resolve: 4 x 32 in flight, the owner of 20 registries and 3 images of
# `make bench`; create: 4 x 16 writers, each its own owner; get/list: 4 x 32 in flight, the
# GetRegistry / ListRegistries (first page) of that owner with its user token.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A_BIN=$(realpath "${1:?usage: bench-ab.sh A_REGISTRYD B_REGISTRYD [resolve|create|get|list]}")
B_BIN=$(realpath "${2:?usage: bench-ab.sh A_REGISTRYD B_REGISTRYD [resolve|create|get|list]}")
RPC=${3:-resolve}
BIN=${BENCH_BUILD_DIR:-$ROOT/build-bench}/bin
ROUNDS=${BENCH_AB_ROUNDS:-5}
DURATION=${BENCH_DURATION:-8s}
ISSUER=cloudmanager-dev
case "$RPC" in
  resolve | get | list) load=(--concurrency=4 --inflight=32) ;;
  create) load=(--concurrency=4 --inflight=16) ;;
  *) echo "bench-ab: RPC is resolve, create, get or list, not $RPC" >&2; exit 2 ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/registry-bench-ab.XXXXXX")
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

dev_setup "$WORK"
"$BIN/registryctl" dev token --key "$WORK/signing.key" --issuer "$ISSUER" \
  --sub deployment-service --scope "credentials.resolve" --ttl 86400 >"$WORK/resolver.token"
common=(--signing-key="$WORK/signing.key" --kid=dev --issuer="$ISSUER"
  --token-file="$WORK/resolver.token" --owners=1 --registries-per-owner=20 --images-per-request=3)

declare -A PID PORT
for side in A B; do
  binary=$A_BIN
  [[ $side == B ]] && binary=$B_BIN
  PORT[$side]=$(free_port)
  "$binary" --listen="127.0.0.1:${PORT[$side]}" --data-dir="$WORK/data-$side" \
    --master-key-file="$WORK/master.key" --jwks-file="$WORK/jwks.json" --jwt-issuer="$ISSUER" \
    --reflection=false >"$WORK/registryd-$side.log" 2>&1 &
  PID[$side]=$!
  PIDS+=("${PID[$side]}")
  wait_port "${PORT[$side]}" "${PID[$side]}"
  "$BIN/registry-bench" --address="127.0.0.1:${PORT[$side]}" "${common[@]}" --preload \
    >/dev/null 2>"$WORK/preload-$side.log" || { cat "$WORK/preload-$side.log" >&2; exit 1; }
done

# One side's client for a round (ab_rounds).
ab_client() {
  "$BIN/registry-bench" --address="127.0.0.1:${PORT[$1]}" "${common[@]}" "${load[@]}" \
    --duration="$DURATION" --warmup=0s --rpc="$RPC" --json >"$WORK/$1.json"
}
ab_rounds "$ROUNDS" "$DURATION" "$RPC" ab_client
