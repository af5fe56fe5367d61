#!/usr/bin/env bash
# Standard benchmark scenario of issue 6 (see bench/README.md):
#   1. builds registryd, registryctl and bench/ in build-bench (Release, -DREGISTRY_BUILD_BENCH=ON);
#   2. creates a throw-away dev setup (master key, signing key + JWKS, data dir) in a temp dir;
#   3. starts registryd on a free loopback port, preloads one owner with 20 registries;
#   4. captures one ResolveCredentials response, drives Resolve and Health/Check at the same
#      concurrency, then the null server (raw unary callback, the captured bytes) with the
#      identical Resolve load; optionally CreateRegistry (durable) at 64 writers;
#   5. if etcd is installed (make bench-deps), starts a single-node etcd on free loopback ports
#      and drives its KV.Range (one small key, same load as Resolve) and durable KV.Put (64
#      writers, like CreateRegistry) with the same registry-bench load loop;
#   6. prints a table (RPC, throughput, p50, p99) and the ratios, with the machine described.
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

# --- etcd (issue 6 targets: Resolve >= 2x etcd 3.4 KV.Range of one small key; CreateRegistry
# durable >= etcd durable Put) --------------------------------------------------------------
# A single-node etcd from Debian's etcd-server (make bench-deps), driven by registry-bench with
# the identical load loop (--rpc=etcd-range / etcd-put: same channels, in-flight slots, warm-up,
# window and percentiles). Its data dir is next to registryd's, so both fsync to the same disk.
ETCD_NOTE=""
if ! command -v etcd >/dev/null; then
  ETCD_NOTE="etcd not measured: install etcd-server (make bench-deps)"
else
  EPORT=$(free_port)
  EPEER=$(free_port)
  # Single node: name "default" and an initial cluster of just this member; new data dir.
  # etcd also reads ETCD_* environment variables; unset any for this process (exec keeps the PID).
  (
    unset "${!ETCD_@}"
    exec etcd --name default --data-dir "$WORK/etcd" \
      --listen-client-urls "http://127.0.0.1:$EPORT" \
      --advertise-client-urls "http://127.0.0.1:$EPORT" \
      --listen-peer-urls "http://127.0.0.1:$EPEER" \
      --initial-advertise-peer-urls "http://127.0.0.1:$EPEER" \
      --initial-cluster "default=http://127.0.0.1:$EPEER" --initial-cluster-state new
  ) >"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  PIDS+=("$ETCD_PID")
  wait_port "$EPORT" "$ETCD_PID"
  ETCD_VERSION=$(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')
  # Linearizable Range (etcd's default, a ReadIndex round per batch) of one 256-byte key.
  run etcd-range "127.0.0.1:$EPORT" etcd-range
  if [[ "${BENCH_CREATE:-1}" == 1 ]]; then
    # 64 concurrent writers, each Put a new key (one raft entry, WAL fsync per batch).
    run etcd-put "127.0.0.1:$EPORT" etcd-put --concurrency=4 --inflight=16
  fi
  kill "$ETCD_PID" && wait "$ETCD_PID" 2>/dev/null || true
  ETCD_NOTE="etcd: ${ETCD_VERSION:-?} single node (Debian etcd-server), data dir on the same disk as registryd's"
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
def load(path):
    """The last line of registry-bench's output that parses as a JSON object, or None."""
    try:
        lines = open(path).read().strip().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("rpcs"), list):
            return data
    return None
for name in ["registryd-resolve", "null-resolve", "etcd-range", "registryd-health",
             "registryd-resolve-64", "null-resolve-64", "registryd-create", "etcd-put"]:
    data = load(os.path.join(work, name + ".json"))
    if data is None:
        if os.path.exists(os.path.join(work, name + ".json")):
            print(f"{name}: no parsable result (see the messages above)")
        continue
    for r in data["rpcs"]:
        needed = ("throughput_per_s", "p50_us", "p90_us", "p99_us", "p999_us", "errors")
        if all(k in r for k in needed):
            rows.append((name, r, data.get("inflight_total", 0)))
print(f"{'run':<20} {'in flight':>9} {'calls/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'errors':>7}")
by = {}
depth = {}
for name, r, inflight in rows:
    by[name] = r
    depth[name] = inflight
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
e = by.get("etcd-range")
if e:
    ratio(f"Resolve(registryd) / Range(etcd) throughput, {depth['etcd-range']} in flight",
          res and res["throughput_per_s"], e["throughput_per_s"], ">= 2",
          (res["errors"] if res else 0) + e["errors"])
c = by.get("registryd-create")
if c:
    v = c["throughput_per_s"]
    print(f"CreateRegistry (durable) at {depth['registryd-create']} writers: {v:.0f}/s "
          f"(target >= 2000/s) {'MET' if v >= 2000 and c['errors'] == 0 else 'NOT MET'}")
p = by.get("etcd-put")
if p:
    ratio(f"CreateRegistry(registryd) / Put(etcd) durable, {depth['etcd-put']} writers",
          c and c["throughput_per_s"], p["throughput_per_s"], ">= 1",
          (c["errors"] if c else 0) + p["errors"])
PY
echo "$ETCD_NOTE"

if [[ "${BENCH_MICRO:-0}" == 1 ]]; then
  echo
  "$BIN/registry-micro-bench" --benchmark_min_time=0.2
fi
