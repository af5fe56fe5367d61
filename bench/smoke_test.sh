#!/usr/bin/env bash
# ctest bench_smoke_test: the bench tools still do what scripts/bench.sh and
# scripts/bench-scale.sh rely on, against a real registryd on a free loopback port. Functional
# checks only (every call answered, the right calls made); no number is judged, no time asserted.
#   1. registry-bench --preload creates the owners' registries; a resolve/get/list/health mix
#      and a create run end with no error;
#   2. --owner-choice=sweep resolves for every owner exactly once and ends by itself (as many
#      resolves as owners, and the audit log names every owner in one);
#   3. --capture-response writes a response the null server then serves, error free;
#   4. registry-scale-loader builds a small data set offline that registryd serves, and its
#      --wait-serving poller sees that registryd SERVING;
#   5. registry-micro-bench runs every micro-benchmark once.
# Usage: smoke_test.sh BIN_DIR (the build's bin/, holding registryd, registryctl and the tools).
set -euo pipefail
BIN=$(cd "$1" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
source "$(dirname "$0")/../scripts/bench-lib.sh"
ISSUER=cloudmanager-dev
OWNERS=5

fail() {
  echo "bench_smoke_test: FAILED: $*" >&2
  exit 1
}

# json_field FILE EXPR: evaluates a Python expression over the last JSON line of FILE (`d`).
json_field() {
  python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print($2)" "$1"
}

# expect_clean FILE: every RPC of a registry-bench --json result had calls and no errors.
expect_clean() {
  local verdict
  verdict=$(json_field "$1" "'ok' if d['rpcs'] and all(r['ok'] > 0 and r['errors'] == 0 for r in d['rpcs']) else d['rpcs']")
  [[ "$verdict" == ok ]] || fail "$1: $verdict"
}

# start_registryd NAME DATA_DIR [FLAGS...]: starts registryd on a free port; sets PORT.
start_registryd() {
  local name=$1 data=$2
  shift 2
  PORT=$(free_port)
  "$BIN/registryd" --listen="127.0.0.1:$PORT" --data-dir="$data" \
    --master-key-file="$WORK/master.key" --jwks-file="$WORK/jwks.json" --jwt-issuer="$ISSUER" \
    "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=("$!")
  wait_port "$PORT" "$!"
}

dev_setup "$WORK"
"$BIN/registryctl" dev token --key "$WORK/signing.key" --issuer "$ISSUER" \
  --sub deployment-service --scope "credentials.resolve" --ttl 3600 >"$WORK/resolver.token"
common=(--signing-key="$WORK/signing.key" --kid=dev --issuer="$ISSUER"
  --token-file="$WORK/resolver.token" --owners="$OWNERS" --registries-per-owner=4
  --images-per-request=3 --json --warmup=0s)

# --- 1. preload, a mix of calls, creates ---------------------------------------------------------
start_registryd registryd "$WORK/data" --audit-log="$WORK/audit.jsonl"
"$BIN/registry-bench" --address="127.0.0.1:$PORT" "${common[@]}" --preload >"$WORK/preload.out" 2>&1
grep -q "preloaded $OWNERS owner(s) x 4 registries" "$WORK/preload.out" ||
  fail "preload: $(cat "$WORK/preload.out")"
"$BIN/registry-bench" --address="127.0.0.1:$PORT" "${common[@]}" --rpc=resolve,get,list,health \
  --owner-choice=random --concurrency=4 --inflight=2 --duration=1s >"$WORK/mix.json"
expect_clean "$WORK/mix.json"
[[ $(json_field "$WORK/mix.json" "len(d['rpcs'])") == 4 ]] || fail "mix: not 4 kinds of call"
"$BIN/registry-bench" --address="127.0.0.1:$PORT" "${common[@]}" --rpc=create \
  --concurrency=2 --inflight=2 --creates-per-owner=5 --duration=1s >"$WORK/create.json"
expect_clean "$WORK/create.json"

# --- 2. the sweep: each owner once, then the run ends ------------------------------------------
cp "$WORK/audit.jsonl" "$WORK/audit.jsonl.before"
"$BIN/registry-bench" --address="127.0.0.1:$PORT" "${common[@]}" --rpc=resolve \
  --owner-choice=sweep --concurrency=2 --inflight=2 --duration=120s >"$WORK/sweep.json"
expect_clean "$WORK/sweep.json"
[[ $(json_field "$WORK/sweep.json" "d['rpcs'][0]['ok']") == "$OWNERS" ]] ||
  fail "sweep: $(json_field "$WORK/sweep.json" "d['rpcs'][0]['ok']") resolves for $OWNERS owners"
# The audit log names the owner of every resolve: with as many resolves as owners, each owner
# named means each was resolved for exactly once.
python3 - "$WORK/audit.jsonl.before" "$WORK/audit.jsonl" "$OWNERS" <<'PY' || fail "sweep: audit log"
import json, sys
before = sum(1 for _ in open(sys.argv[1]))
owners = set()
for line in list(open(sys.argv[2]))[before:]:
    event = json.loads(line)
    if event.get("method", "").endswith("ResolveCredentials"):
        owners.add(event.get("owner"))
want = {f"users/bench-{i}" for i in range(int(sys.argv[3]))}
if owners != want:
    sys.exit(f"the sweep resolved for {sorted(owners)}, not {sorted(want)}")
PY

# --- 3. the null server serves a captured response ------------------------------------------------
"$BIN/registry-bench" --address="127.0.0.1:$PORT" "${common[@]}" \
  --capture-response="$WORK/resolve.bin" >/dev/null
[[ -s "$WORK/resolve.bin" ]] || fail "capture: no response bytes"
"$BIN/registry-null-server" --response-file="$WORK/resolve.bin" --port-file="$WORK/null.port" \
  >"$WORK/null.log" 2>&1 &
NULL_PID=$!
PIDS+=("$NULL_PID")
for _ in $(seq 1 200); do [[ -s "$WORK/null.port" ]] && break; sleep 0.05; done
NULL_PORT=$(cat "$WORK/null.port")
wait_port "$NULL_PORT" "$NULL_PID"
"$BIN/registry-bench" --address="127.0.0.1:$NULL_PORT" "${common[@]}" --rpc=resolve \
  --concurrency=2 --inflight=2 --duration=1s >"$WORK/null.json"
expect_clean "$WORK/null.json"

# --- 4. a scale data set, loaded offline, served ------------------------------------------------
"$BIN/registry-scale-loader" --data-dir="$WORK/scale" --master-key-file="$WORK/master.key" \
  --owners=3 --registries-per-owner=10 --threads=2 >"$WORK/loader.log" 2>&1 ||
  fail "scale loader: $(tail -3 "$WORK/loader.log")"
start_registryd scale "$WORK/scale"
"$BIN/registry-scale-loader" --wait-serving="127.0.0.1:$PORT" --wait-pid="${PIDS[-1]}" \
  --timeout=60s >"$WORK/wait.log" 2>&1 || fail "wait-serving: $(cat "$WORK/wait.log")"
"$BIN/registry-bench" --address="127.0.0.1:$PORT" "${common[@]}" --owners=3 --rpc=resolve \
  --owner-choice=sweep --concurrency=1 --inflight=3 --duration=60s >"$WORK/scale.json"
expect_clean "$WORK/scale.json"
[[ $(json_field "$WORK/scale.json" "d['rpcs'][0]['ok']") == 3 ]] || fail "scale set: not 3 resolves"

# --- 5. every micro-benchmark runs ----------------------------------------------------------------
"$BIN/registry-micro-bench" --benchmark_min_time=0.001 >"$WORK/micro.log" 2>&1 ||
  fail "micro-benchmarks: $(tail -5 "$WORK/micro.log")"
grep -q "ParseImageReference" "$WORK/micro.log" || fail "micro-benchmarks: no results"

echo "bench_smoke_test: passed"
