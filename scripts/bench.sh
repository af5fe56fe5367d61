#!/usr/bin/env bash
# Standard benchmark scenario of issue 6 (see bench/README.md):
#   1. builds registryd, registryctl and bench/ in build-bench (Release, -DREGISTRY_BUILD_BENCH=ON);
#   2. creates a throw-away dev setup (master key, signing key + JWKS, data dir) in a temp dir;
#   3. starts registryd on a free loopback port, preloads one owner with 20 registries, and
#      captures one ResolveCredentials response;
#   4. starts the null server (raw unary callback answering the captured bytes), a second one
#      that answers from its own thread (--answer-from-thread: the framework's ceiling for a
#      server that answers after a durable write, reported for reference) and, if etcd is
#      installed (make bench-deps), a single-node etcd on free loopback ports;
#   5. runs BENCH_ROUNDS interleaved rounds; each drives, one after the other, registryd's
#      Resolve, the null server with the identical Resolve load (both null servers), etcd's
#      KV.Range (one small key,
#      same load), registryd's Health/Check, Resolve and null at half the depth, and optionally
#      CreateRegistry (durable) and etcd's durable KV.Put at 64 writers, all with the same
#      registry-bench load loop;
#   6. prints a table (RPC, throughput, p50, p99 of the median round) and the ratios (median of
#      the per-round ratios, each round's value beside it), with the machine described.
# Only processes this script started are stopped (by PID). Environment knobs:
#   BENCH_JOBS=1 BENCH_CONCURRENCY=4 BENCH_INFLIGHT=32 BENCH_DURATION=5s BENCH_WARMUP=1s
#   BENCH_ROUNDS=3 (each round measures every run once, interleaved; medians are reported)
#   BENCH_IMAGES=3 BENCH_CREATE=1 (0 skips the CreateRegistry run) BENCH_SKIP_BUILD=1
#   BENCH_MICRO=1 (also run the Google Benchmark micro-benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
JOBS=${BENCH_JOBS:-1}
CONC=${BENCH_CONCURRENCY:-4}
INFLIGHT=${BENCH_INFLIGHT:-32}
DURATION=${BENCH_DURATION:-5s}
WARMUP=${BENCH_WARMUP:-1s}
ROUNDS=${BENCH_ROUNDS:-3}
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
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

# --- dev setup -----------------------------------------------------------------------------
dev_setup "$WORK"
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

NULL_PORT=$(free_port)
"$BIN/registry-null-server" --listen="127.0.0.1:$NULL_PORT" --response-file="$WORK/resolve.bin" \
  >"$WORK/null.log" 2>&1 &
NULL_PID=$!
PIDS+=("$NULL_PID")
wait_port "$NULL_PORT" "$NULL_PID"
# The same null server, finishing each call from one answering thread instead of inside the
# handler: what answering off gRPC's threads (as registryd does once its group commit is
# durable) costs the framework itself. A reference row, not a target.
NULL_THREAD_PORT=$(free_port)
"$BIN/registry-null-server" --listen="127.0.0.1:$NULL_THREAD_PORT" \
  --response-file="$WORK/resolve.bin" --answer-from-thread >"$WORK/null-thread.log" 2>&1 &
NULL_THREAD_PID=$!
PIDS+=("$NULL_THREAD_PID")
wait_port "$NULL_THREAD_PORT" "$NULL_THREAD_PID"

# --- etcd (issue 6 targets: Resolve >= 2x etcd 3.4 KV.Range of one small key; CreateRegistry
# durable >= etcd durable Put) --------------------------------------------------------------
# A single-node etcd from Debian's etcd-server (make bench-deps), driven by registry-bench with
# the identical load loop (--rpc=etcd-range / etcd-put: same channels, in-flight slots, warm-up,
# window and percentiles). Its data dir is next to registryd's, so both fsync to the same disk.
ETCD_NOTE=""
EPORT=""
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
  ETCD_NOTE="etcd: ${ETCD_VERSION:-?} single node (Debian etcd-server), data dir on the same disk as registryd's"
fi

# --- interleaved rounds -----------------------------------------------------------------------
# Every server is up (the idle ones cost nothing); each round measures every run once, one after
# the other, so a ratio compares runs seconds apart. This machine is shared: throughput drifts by
# 30 % and more over minutes, which back-to-back blocks of runs turned into ratio swings of 2x.
# The report takes, per run, the round with the median throughput, and per ratio, the median of
# the per-round ratios.
for round in $(seq 1 "$ROUNDS"); do
  echo "bench: round $round of $ROUNDS" >&2
  run "registryd-resolve.$round" "127.0.0.1:$PORT" resolve
  run "null-resolve.$round" "127.0.0.1:$NULL_PORT" resolve
  run "null-thread-resolve.$round" "127.0.0.1:$NULL_THREAD_PORT" resolve
  if [[ -n "$EPORT" ]]; then run "etcd-range.$round" "127.0.0.1:$EPORT" etcd-range; fi
  run "registryd-health.$round" "127.0.0.1:$PORT" health
  # Half the depth (64 in flight).
  run "registryd-resolve-64.$round" "127.0.0.1:$PORT" resolve --inflight=$((INFLIGHT / 2))
  run "null-resolve-64.$round" "127.0.0.1:$NULL_PORT" resolve --inflight=$((INFLIGHT / 2))
  if [[ "${BENCH_CREATE:-1}" == 1 ]]; then
    # 64 concurrent writers (4 x 16): each CreateRegistry a synced RocksDB write, each etcd Put
    # a new key (one raft entry, WAL fsync per batch).
    run "registryd-create.$round" "127.0.0.1:$PORT" create --concurrency=4 --inflight=16
    if [[ -n "$EPORT" ]]; then
      run "etcd-put.$round" "127.0.0.1:$EPORT" etcd-put --concurrency=4 --inflight=16
    fi
  fi
done

# --- report --------------------------------------------------------------------------------
MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MEM=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
echo
echo "Machine: $(nproc) CPUs, $MODEL, $MEM RAM; $(uname -sr); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "Load: $CONC channels x $INFLIGHT in flight = $((CONC * INFLIGHT)) outstanding; $ROUNDS interleaved rounds, each run $DURATION measured after $WARMUP warm-up; client on the same machine"
echo "Resolve request: 1 owner with $REGISTRIES registries, $IMAGES images; response $(stat -c %s "$WORK/resolve.bin") bytes"
echo
python3 - "$WORK" "$ROUNDS" <<'PY'
import json, os, sys
work = sys.argv[1]
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
rounds = int(sys.argv[2])
names = ["registryd-resolve", "null-resolve", "null-thread-resolve", "etcd-range", "registryd-health",
         "registryd-resolve-64", "null-resolve-64", "registryd-create", "etcd-put"]
needed = ("throughput_per_s", "p50_us", "p90_us", "p99_us", "p999_us", "errors")
per_round = {}  # name -> [result of round 1, 2, ...] (None where a round has none)
depth = {}
for name in names:
    results = []
    for r in range(1, rounds + 1):
        path = os.path.join(work, f"{name}.{r}.json")
        data = load(path)
        rpc = None
        if data is not None:
            rpc = next((x for x in data["rpcs"] if all(k in x for k in needed)), None)
            depth[name] = data.get("inflight_total", 0)
        elif os.path.exists(path):
            print(f"{name} round {r}: no parsable result (see the messages above)")
        results.append(rpc)
    if any(x is not None for x in results):
        per_round[name] = results

def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2

# Per run: the round with the median throughput (its latencies are one real run's); errors
# summed over all rounds.
by = {}
for name, results in per_round.items():
    ok = sorted((x for x in results if x is not None), key=lambda x: x["throughput_per_s"])
    chosen = dict(ok[(len(ok) - 1) // 2])
    chosen["errors"] = sum(x["errors"] for x in ok)
    by[name] = chosen
print(f"{'run':<20} {'in flight':>9} {'calls/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'errors':>7}   calls/s per round")
for name in names:
    if name not in by:
        continue
    r = by[name]
    rounds_text = " ".join(f"{x['throughput_per_s']:.0f}" if x else "-" for x in per_round[name])
    print(f"{name:<20} {depth.get(name, 0):>9} {r['throughput_per_s']:>10.0f} {r['p50_us']/1e3:>8.2f} "
          f"{r['p90_us']/1e3:>8.2f} {r['p99_us']/1e3:>8.2f} {r['p999_us']/1e3:>9.2f} {r['errors']:>7}   {rounds_text}")
print()

def ratio(label, a, b, target, key="throughput_per_s"):
    """Median over rounds of a[key] / b[key] (same run when b is None: a's own two keys)."""
    if a not in per_round or (b is not None and b not in per_round):
        print(f"{label}: not measured")
        return
    values = []
    failed = 0
    for i, x in enumerate(per_round[a]):
        y = x if b is None else per_round[b][i]
        if x is None or y is None:
            continue
        failed += x["errors"] + (0 if b is None else y["errors"])
        num, den = (x["p99_us"], x["p50_us"]) if b is None else (x[key], y[key])
        if den:
            values.append(num / den)
    if not values:
        print(f"{label}: not measured")
        return
    v = median(values)
    note = f" ({failed} calls failed, ratio over successes only)" if failed else ""
    each = ", ".join(f"{x:.2f}" for x in values)
    if target is None:
        print(f"{label}: {v:.2f} (reference)   rounds: {each}")
        return
    met = eval(f"{v}{target}") and failed == 0
    print(f"{label}: {v:.2f} (target {target}) {'MET' if met else 'NOT MET'}   rounds: {each}{note}")

ratio("Resolve(registryd) / Resolve(null server) throughput, 128 in flight",
      "registryd-resolve", "null-resolve", ">= 0.85")
ratio("Null server answering off-thread / null server throughput (the ceiling for answering after a durable write)",
      "null-thread-resolve", "null-resolve", None)
ratio("Resolve(registryd) / null server answering off-thread throughput",
      "registryd-resolve", "null-thread-resolve", None)
ratio("Resolve(registryd) p99 / p50, 128 in flight", "registryd-resolve", None, "<= 3")
ratio("Resolve(registryd) / Resolve(null server) throughput, 64 in flight",
      "registryd-resolve-64", "null-resolve-64", ">= 0.85")
ratio("Resolve / Health(registryd) throughput", "registryd-resolve", "registryd-health", None)
if "etcd-range" in per_round:
    ratio(f"Resolve(registryd) / Range(etcd) throughput, {depth['etcd-range']} in flight",
          "registryd-resolve", "etcd-range", ">= 2")
c = by.get("registryd-create")
if c:
    v = c["throughput_per_s"]
    print(f"CreateRegistry (durable) at {depth['registryd-create']} writers: {v:.0f}/s median "
          f"(target >= 2000/s) {'MET' if v >= 2000 and c['errors'] == 0 else 'NOT MET'}")
if "etcd-put" in per_round:
    ratio(f"CreateRegistry(registryd) / Put(etcd) durable, {depth['etcd-put']} writers",
          "registryd-create", "etcd-put", ">= 1")
PY
echo "$ETCD_NOTE"

if [[ "${BENCH_MICRO:-0}" == 1 ]]; then
  echo
  "$BIN/registry-micro-bench" --benchmark_min_time=0.2
fi
