#!/usr/bin/env bash
# Standard benchmark scenario of issue 6 (see bench/README.md):
#   1. builds registryd, registryctl and bench/ in build-bench (Release, -DREGISTRY_BUILD_BENCH=ON);
#   2. creates a throw-away dev setup (master key, signing key + JWKS, data dir) in a temp dir;
#   3. starts registryd on a free loopback port, preloads one owner with 20 registries;
#   4. captures one ResolveCredentials response, drives Resolve and Health/Check at the same
#      concurrency, then the null server (raw unary callback, the captured bytes) with the
#      identical Resolve load; optionally CreateRegistry (durable) at 64 writers;
#   5. prints a table (RPC, throughput, p50, p99) and the ratios, with the machine described.
# Only processes this script started are stopped (by PID). Environment knobs:
#   BENCH_JOBS=1 BENCH_CONCURRENCY=4 BENCH_INFLIGHT=32 BENCH_DURATION=10s BENCH_WARMUP=2s
#   BENCH_IMAGES=3 BENCH_CREATE=1 (0 skips the CreateRegistry run) BENCH_SKIP_BUILD=1
#   BENCH_MICRO=1 (also run the Google Benchmark micro-benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
JOBS=${BENCH_JOBS:-1}
CONC=${BENCH_CONCURRENCY:-4}
INFLIGHT=${BENCH_INFLIGHT:-32}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
IMAGES=${BENCH_IMAGES:-3}
REGISTRIES=20
ISSUER=cloudmanager-dev

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DREGISTRY_BUILD_BENCH=ON \
    -DREGISTRY_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j"$JOBS" --target registryd registryctl registry-bench \
    registry-null-server registry-micro-bench
fi
BIN=$BUILD/bin

WORK=$(mktemp -d "${TMPDIR:-/tmp}/registry-bench.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {  # port pid
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "bench: process $2 exited early" >&2; return 1; }
    sleep 0.05
  done
  echo "bench: port $1 not open after 10 s" >&2
  return 1
}

# --- dev setup -----------------------------------------------------------------------------
(umask 077 && "$BIN/registryctl" dev master-key >"$WORK/master.key")
"$BIN/registryctl" dev keygen --key-out "$WORK/signing.key" --jwks-out "$WORK/jwks.json" \
  --kid dev >/dev/null
"$BIN/registryctl" dev token --key "$WORK/signing.key" --issuer "$ISSUER" \
  --sub deployment-service --scope "credentials.resolve" --ttl 86400 >"$WORK/resolver.token"

PORT=$(free_port)
"$BIN/registryd" --listen="127.0.0.1:$PORT" --data-dir="$WORK/data" \
  --master-key-file="$WORK/master.key" --jwks-file="$WORK/jwks.json" --jwt-issuer="$ISSUER" \
  --reflection=false >"$WORK/registryd.log" 2>&1 &
REGISTRYD_PID=$!
PIDS+=("$REGISTRYD_PID")
wait_port "$PORT" "$REGISTRYD_PID"

# Every run: same token, same owner (bench-0, minted from the dev key), same request.
common=(--signing-key="$WORK/signing.key" --kid=dev --issuer="$ISSUER"
  --token-file="$WORK/resolver.token" --owners=1 --registries-per-owner=$REGISTRIES
  --images-per-request="$IMAGES")
load=(--concurrency="$CONC" --inflight="$INFLIGHT" --duration="$DURATION" --warmup="$WARMUP"
  --json)

"$BIN/registry-bench" --address="127.0.0.1:$PORT" "${common[@]}" --preload \
  --capture-response="$WORK/resolve.bin"

run() {  # name address rpc [extra flags...]
  local name=$1 address=$2 rpc=$3
  shift 3
  echo "bench: $name ($rpc $*)..." >&2
  "$BIN/registry-bench" --address="$address" "${common[@]}" "${load[@]}" --rpc="$rpc" \
    --label="$name" "$@" >"$WORK/$name.json" || {
    echo "bench: $name reported errors:" >&2
    cat "$WORK/$name.json" >&2
  }
}

run registryd-resolve "127.0.0.1:$PORT" resolve
run registryd-health "127.0.0.1:$PORT" health
# Half the depth (64 in flight), below registryd's default --max-threads=64.
run registryd-resolve-64 "127.0.0.1:$PORT" resolve --inflight=$((INFLIGHT / 2))
if [[ "${BENCH_CREATE:-1}" == 1 ]]; then
  # 64 concurrent writers (4 x 16), each CreateRegistry a synced RocksDB write.
  run registryd-create "127.0.0.1:$PORT" create --concurrency=4 --inflight=16
fi

NULL_PORT=$(free_port)
"$BIN/registry-null-server" --listen="127.0.0.1:$NULL_PORT" --response-file="$WORK/resolve.bin" \
  >"$WORK/null.log" 2>&1 &
NULL_PID=$!
PIDS+=("$NULL_PID")
wait_port "$NULL_PORT" "$NULL_PID"
run null-resolve "127.0.0.1:$NULL_PORT" resolve
run null-resolve-64 "127.0.0.1:$NULL_PORT" resolve --inflight=$((INFLIGHT / 2))
kill "$NULL_PID" && wait "$NULL_PID" 2>/dev/null || true

# --- etcd (issue 6 target: >= 2x etcd 3.4 KV.Range of one small key) -------------------------
ETCD_NOTE=""
if ! command -v etcd >/dev/null; then
  ETCD_NOTE="etcd not measured: etcd is not installed (Debian packages etcd-server, etcd-client)"
elif ! command -v "${ETCD_BENCHMARK:-benchmark}" >/dev/null; then
  ETCD_NOTE="etcd not measured: etcd's benchmark tool (go.etcd.io/etcd/tools/benchmark) is not installed; set ETCD_BENCHMARK"
else
  EPORT=$(free_port)
  EPEER=$(free_port)
  etcd --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$EPORT" \
    --advertise-client-urls "http://127.0.0.1:$EPORT" \
    --listen-peer-urls "http://127.0.0.1:$EPEER" >"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  PIDS+=("$ETCD_PID")
  wait_port "$EPORT" "$ETCD_PID"
  EB=${ETCD_BENCHMARK:-benchmark}
  "$EB" --endpoints="127.0.0.1:$EPORT" --conns=1 --clients=1 put --key-size=8 --val-size=256 \
    --total=1 >/dev/null 2>&1 || true
  "$EB" --endpoints="127.0.0.1:$EPORT" --conns="$CONC" --clients=$((CONC * INFLIGHT)) \
    range "$(printf 'key%05d' 0)" --consistency=l --total=$((CONC * INFLIGHT * 2000)) \
    >"$WORK/etcd-range.txt" 2>&1 || true
  ETCD_NOTE="etcd KV.Range (linearizable): $(grep -E 'Requests/sec' "$WORK/etcd-range.txt" || echo 'no result, see output')"
fi

# --- report --------------------------------------------------------------------------------
MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MEM=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
echo
echo "Machine: $(nproc) CPUs, $MODEL, $MEM RAM; $(uname -sr); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "Load: $CONC channels x $INFLIGHT in flight = $((CONC * INFLIGHT)) outstanding, $DURATION measured after $WARMUP warm-up, client on the same machine"
echo "Resolve request: 1 owner with $REGISTRIES registries, $IMAGES images; response $(stat -c %s "$WORK/resolve.bin") bytes"
echo
python3 - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
rows = []
for name in ["registryd-resolve", "null-resolve", "registryd-health", "registryd-resolve-64",
             "null-resolve-64", "registryd-create"]:
    path = os.path.join(work, name + ".json")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        continue
    data = json.loads(open(path).read().strip().splitlines()[-1])
    for r in data["rpcs"]:
        rows.append((name, r, data["inflight_total"]))
print(f"{'run':<20} {'in flight':>9} {'calls/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'errors':>7}")
by = {}
for name, r, inflight in rows:
    by[name] = r
    print(f"{name:<20} {inflight:>9} {r['throughput_per_s']:>10.0f} {r['p50_us']/1e3:>8.2f} "
          f"{r['p90_us']/1e3:>8.2f} {r['p99_us']/1e3:>8.2f} {r['p999_us']/1e3:>9.2f} {r['errors']:>7}")
print()
def ratio(label, a, b, target, failed=0):
    if a is None or b is None or b == 0:
        print(f"{label}: not measured"); return
    v = a / b
    met = eval(f"{v}{target}") and failed == 0
    note = f" ({failed} calls failed, ratio over successes only)" if failed else ""
    print(f"{label}: {v:.2f} (target {target}) {'MET' if met else 'NOT MET'}{note}")
res, nul = by.get("registryd-resolve"), by.get("null-resolve")
failed = (res["errors"] if res else 0) + (nul["errors"] if nul else 0)
ratio("Resolve(registryd) / Resolve(null server) throughput, 128 in flight",
      res and res["throughput_per_s"], nul and nul["throughput_per_s"], ">= 0.85", failed)
ratio("Resolve(registryd) p99 / p50, 128 in flight", res and res["p99_us"], res and res["p50_us"],
      "<= 3", res["errors"] if res else 0)
r64, n64 = by.get("registryd-resolve-64"), by.get("null-resolve-64")
if r64 and n64:
    ratio("Resolve(registryd) / Resolve(null server) throughput, 64 in flight",
          r64["throughput_per_s"], n64["throughput_per_s"], ">= 0.85", r64["errors"] + n64["errors"])
h = by.get("registryd-health")
if res and h:
    print(f"Resolve / Health(registryd) throughput: {res['throughput_per_s']/h['throughput_per_s']:.2f} (reference)")
c = by.get("registryd-create")
if c:
    v = c["throughput_per_s"]
    print(f"CreateRegistry (durable) at 64 writers: {v:.0f}/s (target >= 2000/s) "
          f"{'MET' if v >= 2000 and c['errors'] == 0 else 'NOT MET'}")
PY
echo "$ETCD_NOTE"

if [[ "${BENCH_MICRO:-0}" == 1 ]]; then
  echo
  "$BIN/registry-micro-bench" --benchmark_min_time=0.2
fi
