#!/usr/bin/env bash
# Scale benchmark of issue 6 (see bench/README.md, "Scale benchmark"):
#   1. builds registryd, registryctl, registry-bench and registry-scale-loader in build-bench
#      (Release, -DREGISTRY_BUILD_BENCH=ON; BENCH_SKIP_BUILD=1 skips);
#   2. builds two data sets with registry-scale-loader (the real CreateRegistry path, offline):
#      small = 100 owners x 10 = 1 000 registries (fresh, in a temp dir) and large = 100 000
#      owners x 10 = 1 000 000, cached under var/bench-scale/<version>-<owners>x10/ with its own
#      master key, signing key and JWKS (BENCH_SCALE_REBUILD=1 rebuilds it);
#   3. starts one registryd per data set, each on a copy of its data dir (SST files hard-linked,
#      so the cached set stays pristine), timing process start -> grpc.health.v1 SERVING; then,
#      one pass that resolves for every owner of the set once (the "cold pass": each owner's
#      first resolve reads its index and writes its audit hour entry; reported, not a target),
#      in BENCH_SCALE_ROUNDS alternating rounds (the servers run side by side, each idle while the
#      other is measured, so the shared machine's load drifts hit both alike): Resolve (4 x 32 in
#      flight, random owner per call) and ListRegistries first page (2 x 4 in flight, random
#      owner); one unloaded List run (1 x 1); VmRSS/VmHWM of each registryd; then, one at a
#      time, stops it (SIGTERM, by PID) and times BENCH_SCALE_ROUNDS restarts on the warm dir;
#   4. prints the machine, a table (medians over the rounds, and the rounds themselves) and the
#      issue-6 scale verdicts.
# Only processes this script started are stopped (by PID). Environment knobs:
#   BENCH_BUILD_DIR=build-bench BENCH_JOBS=1 BENCH_SKIP_BUILD=1 BENCH_DURATION=10s
#   BENCH_WARMUP=2s BENCH_IMAGES=3 BENCH_SCALE_OWNERS=100000 BENCH_SCALE_SMALL_OWNERS=100
#   BENCH_SCALE_REBUILD=1 BENCH_SCALE_CACHE=var/bench-scale BENCH_SCALE_LOADER_THREADS=2
#   BENCH_SCALE_ROUNDS=3 BENCH_SCALE_LIST_CONCURRENCY=1 BENCH_SCALE_LIST_INFLIGHT=4
#   BENCH_SCALE_VERSION (cache key; bump when the stored format or the loader changes)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
JOBS=${BENCH_JOBS:-1}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
IMAGES=${BENCH_IMAGES:-3}
PER_OWNER=10
SMALL_OWNERS=${BENCH_SCALE_SMALL_OWNERS:-100}
LARGE_OWNERS=${BENCH_SCALE_OWNERS:-100000}
LOADER_THREADS=${BENCH_SCALE_LOADER_THREADS:-2}
ROUNDS=${BENCH_SCALE_ROUNDS:-3}
LIST_CONC=${BENCH_SCALE_LIST_CONCURRENCY:-1}
LIST_INFLIGHT=${BENCH_SCALE_LIST_INFLIGHT:-4}
# The cached large data set is only reused by the same version: bump this when the stored
# format (keys, records, indexes, sealing) or the loader's requests change.
VERSION=${BENCH_SCALE_VERSION:-v1}
CACHE_ROOT=${BENCH_SCALE_CACHE:-$ROOT/var/bench-scale}
ISSUER=cloudmanager-dev

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DREGISTRY_BUILD_BENCH=ON \
    -DREGISTRY_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j"$JOBS" --target registryd registryctl registry-bench \
    registry-scale-loader
fi
BIN=$BUILD/bin

mkdir -p "$CACHE_ROOT"
# One scale run at a time: runs share the cache.
exec 9>"$CACHE_ROOT/.lock"
if ! flock -n 9; then
  echo "bench-scale: another bench-scale run holds $CACHE_ROOT/.lock" >&2
  exit 1
fi
# Per-run scratch on the cache's file system, so data dir copies can hard-link SST files.
WORK=$(mktemp -d "$CACHE_ROOT/run.XXXXXX")
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

# load DIR OWNERS: builds DIR/data with registry-scale-loader, log in DIR/load.log.
load() {
  local dir=$1 owners=$2
  echo "bench-scale: loading $owners owners x $PER_OWNER registries into $dir/data ..." >&2
  local start end
  start=$(date +%s%N)
  "$BIN/registry-scale-loader" --data-dir="$dir/data" --master-key-file="$dir/master.key" \
    --owners="$owners" --registries-per-owner=$PER_OWNER --threads="$LOADER_THREADS" \
    2> >(tee "$dir/load.log" >&2)
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000))" >"$dir/load-ms"
}


# copy_data SRC DST: a private copy of a closed data dir. SST files are immutable, so they are
# hard-linked (like a RocksDB checkpoint); everything else (MANIFEST, CURRENT, WAL, OPTIONS, LOG)
# is copied, because RocksDB appends to it.
copy_data() {
  mkdir -p "$2"
  local f
  for f in "$1"/*; do
    if [[ "$f" == *.sst ]]; then
      ln "$f" "$2/" 2>/dev/null || cp -p "$f" "$2/"
    else
      cp -p "$f" "$2/"
    fi
  done
}

# Per data set: PORT_<name>, PID_<name> of its running registryd.
declare -A PORT_OF PID_OF
# start_registryd NAME SETUP_DIR DATA_DIR: starts registryd, waits for SERVING, appends the
# seconds from process start to SERVING to $WORK/NAME.starts.
start_registryd() {
  local name=$1 setup=$2 data=$3
  local port pid t0 t1
  port=$(free_port)
  t0=$(date +%s%N)
  "$BIN/registryd" --listen="127.0.0.1:$port" --data-dir="$data" \
    --master-key-file="$setup/master.key" --jwks-file="$setup/jwks.json" --jwt-issuer="$ISSUER" \
    --reflection=false >>"$WORK/$name.registryd.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if ! t1=$("$BIN/registry-scale-loader" --wait-serving="127.0.0.1:$port" --wait-pid="$pid" \
    --timeout=300s 2>/dev/null); then
    echo "bench-scale: registryd ($name) did not become SERVING; its log:" >&2
    cat "$WORK/$name.registryd.log" >&2
    exit 1
  fi
  python3 -c "print(f'{($t1 - $t0) / 1e9:.3f}')" >>"$WORK/$name.starts"
  PORT_OF[$name]=$port
  PID_OF[$name]=$pid
}

stop_registryd() {  # NAME
  local pid=${PID_OF[$1]}
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

rss_kib() {  # pid field
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}

# settle NAME SETUP_DIR: starts and stops registryd once on the freshly loaded data dir itself,
# so whatever a first start of this registryd version does once (e.g. marking the registry
# indexes complete) is part of the data set, as for a data dir a running server built up; then
# compacts it, so those writes leave no compaction debt for the measured runs.
settle() {
  local name=$1 setup=$2
  start_registryd "$name-settle" "$setup" "$setup/data"
  echo "bench-scale: $name: first start on the loaded data dir SERVING after $(tail -1 "$WORK/$name-settle.starts") s" >&2
  tail -1 "$WORK/$name-settle.starts" >"$setup/settle-s"
  stop_registryd "$name-settle"
  "$BIN/registry-scale-loader" --compact-only --data-dir="$setup/data"
}

# Small data set: fresh every run.
SMALL=$WORK/small
mkdir -p "$SMALL"
dev_setup "$SMALL"
load "$SMALL" "$SMALL_OWNERS"
settle small "$SMALL"

# Large data set: cached by version and size; "complete" is written only after a full load.
LARGE=$CACHE_ROOT/$VERSION-${LARGE_OWNERS}x$PER_OWNER
if [[ "${BENCH_SCALE_REBUILD:-0}" == 1 ]]; then rm -rf "$LARGE"; fi
if [[ ! -f "$LARGE/complete" ]]; then
  rm -rf "$LARGE"
  mkdir -p "$LARGE"
  dev_setup "$LARGE"
  load "$LARGE" "$LARGE_OWNERS"
  settle large "$LARGE"
  date -u +%Y-%m-%dT%H:%MZ >"$LARGE/complete"
  LARGE_NOTE="built now"
else
  LARGE_NOTE="cached, built $(cat "$LARGE/complete")"
fi

declare -A SETUP_OF=([small]=$SMALL [large]=$LARGE)
declare -A OWNERS_OF=([small]=$SMALL_OWNERS [large]=$LARGE_OWNERS)

# Both servers run side by side (each idle while the other is measured) and the runs alternate
# between them, round after round, so the shared machine's load drifts hit both alike.
for name in small large; do
  echo "bench-scale: $name: copying the data dir ..." >&2
  copy_data "${SETUP_OF[$name]}/data" "$WORK/$name.data"
  "$BIN/registryctl" dev token --key "${SETUP_OF[$name]}/signing.key" --issuer "$ISSUER" \
    --sub deployment-service --scope "credentials.resolve" --ttl 86400 >"$WORK/$name.token"
  start_registryd "$name" "${SETUP_OF[$name]}" "$WORK/$name.data"
  echo "bench-scale: $name: first start SERVING after $(tail -1 "$WORK/$name.starts") s" >&2
done

# run NAME KIND ROUND CONCURRENCY INFLIGHT [OWNER_CHOICE DURATION WARMUP]: one registry-bench
# run, JSON to $WORK.
run() {
  local name=$1 kind=$2 round=$3 conc=$4 inflight=$5 choice=${6:-random}
  local duration=${7:-$DURATION} warmup=${8:-$WARMUP}
  local setup=${SETUP_OF[$name]}
  echo "bench-scale: round $round: $name $kind ($conc x $inflight, $choice owner of ${OWNERS_OF[$name]}) ..." >&2
  "$BIN/registry-bench" --address="127.0.0.1:${PORT_OF[$name]}" --signing-key="$setup/signing.key" \
    --kid=dev --issuer="$ISSUER" --token-file="$WORK/$name.token" --owners="${OWNERS_OF[$name]}" \
    --registries-per-owner=$PER_OWNER --images-per-request="$IMAGES" --owner-choice="$choice" \
    --duration="$duration" --warmup="$warmup" --json --rpc="$kind" --concurrency="$conc" \
    --inflight="$inflight" --label="$name-$kind" >"$WORK/$name.$kind.$round.json" ||
    echo "bench-scale: $name $kind reported errors" >&2
}

# The cold pass: every owner resolved once (a sweep, ends when done). The rounds then measure the
# steady state a long-running server is in, where each owner's index is decoded once and its audit
# hour entry written once per hour; the 2 s warm-up of a round covers the small set's 100 owners
# but not the large set's 100 000.
for name in small large; do run "$name" resolve cold 4 32 sweep 600s 0s; done

for round in $(seq 1 "$ROUNDS"); do
  order=(small large)
  if ((round % 2 == 0)); then order=(large small); fi
  for name in "${order[@]}"; do run "$name" resolve "$round" 4 32; done
  for name in "${order[@]}"; do run "$name" list "$round" "$LIST_CONC" "$LIST_INFLIGHT"; done
done
for name in small large; do
  # Unloaded latency for reference: one List at a time.
  run "$name" list 1x1 1 1
  rss_kib "${PID_OF[$name]}" VmRSS >"$WORK/$name.rss"
  rss_kib "${PID_OF[$name]}" VmHWM >"$WORK/$name.hwm"
done
# Restarts on the now warm data dirs (audit events the runs wrote included), one server at a
# time.
for name in small large; do
  stop_registryd "$name"
  for round in $(seq 1 "$ROUNDS"); do
    start_registryd "$name" "${SETUP_OF[$name]}" "$WORK/$name.data"
    echo "bench-scale: $name: restart SERVING after $(tail -1 "$WORK/$name.starts") s" >&2
    stop_registryd "$name"
  done
done

# --- report --------------------------------------------------------------------------------
MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MEM=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
echo
echo "Machine: $(nproc) CPUs, $MODEL, $MEM RAM; $(uname -sr); $(date -u +%Y-%m-%dT%H:%MZ); load average $(cut -d' ' -f1-3 /proc/loadavg) (shared: other jobs' load shows up as noise)"
echo "Data sets: small = $SMALL_OWNERS owners x $PER_OWNER (loaded in $(cat "$SMALL/load-ms") ms); large = $LARGE_OWNERS owners x $PER_OWNER ($LARGE_NOTE: loaded in $(($(cat "$LARGE/load-ms") / 1000)) s, first registryd start on it $(cat "$LARGE/settle-s") s; $(du -sh "$LARGE/data" | cut -f1) on disk)"
echo "Resolve: 4 channels x 32 in flight, $IMAGES images; List: first page, $LIST_CONC x $LIST_INFLIGHT in flight; random owner per call; after one cold pass over every owner, $ROUNDS alternating rounds of $DURATION after $WARMUP warm-up (medians shown), client on the same machine"
echo
python3 - "$WORK" "$SMALL_OWNERS" "$LARGE_OWNERS" "$PER_OWNER" "$ROUNDS" <<'PY'
import json, math, os, statistics, sys
work, small_owners, large_owners, per_owner, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
nan = float("nan")
def words(name):
    path = os.path.join(work, name)
    return open(path).read().split() if os.path.exists(path) else []
def bench(name):
    path = os.path.join(work, name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    return json.loads(open(path).read().strip().splitlines()[-1])["rpcs"][0]
def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else nan
rows = {}
for name, owners in (("small", small_owners), ("large", large_owners)):
    starts = [float(s) for s in words(f"{name}.starts")]
    res = [bench(f"{name}.resolve.{r}.json") for r in range(1, rounds + 1)]
    lst = [bench(f"{name}.list.{r}.json") for r in range(1, rounds + 1)]
    one = bench(f"{name}.list.1x1.json")
    errors = sum(b["errors"] for b in res + lst + [one, bench(f"{name}.resolve.cold.json")] if b)
    kib = lambda f: int(words(f)[0]) / 1024 if words(f) else nan
    rows[name] = dict(
        registries=owners * per_owner, first=starts[0] if starts else nan,
        restarts=starts[1:], restart=median(starts[1:]),
        resolve_rounds=[b["throughput_per_s"] if b else nan for b in res],
        resolve=median([b["throughput_per_s"] if b else nan for b in res]),
        resolve_p99=median([b["p99_us"] / 1e3 if b else nan for b in res]),
        cold=(bench(f"{name}.resolve.cold.json") or {}).get("throughput_per_s", nan),
        list=median([b["throughput_per_s"] if b else nan for b in lst]),
        list_p99_rounds=[b["p99_us"] / 1e3 if b else nan for b in lst],
        list_p99=median([b["p99_us"] / 1e3 if b else nan for b in lst]),
        list1_p99=one["p99_us"] / 1e3 if one else nan,
        rss=kib(f"{name}.rss"), hwm=kib(f"{name}.hwm"), errors=errors)
print(f"{'data set':<9} {'registries':>10} {'1st start s':>11} {'restart s':>9} {'Resolve/s':>10} "
      f"{'Res p99 ms':>10} {'List/s':>7} {'List p99 ms':>11} {'1x1 p99 ms':>10} {'RSS MiB':>8} "
      f"{'peak MiB':>8} {'errors':>6}")
for name, r in rows.items():
    print(f"{name:<9} {r['registries']:>10,} {r['first']:>11.2f} {r['restart']:>9.2f} "
          f"{r['resolve']:>10.0f} {r['resolve_p99']:>10.2f} {r['list']:>7.0f} {r['list_p99']:>11.2f} "
          f"{r['list1_p99']:>10.2f} {r['rss']:>8.0f} {r['hwm']:>8.0f} {r['errors']:>6}")
print()
s, l = rows["small"], rows["large"]
fmt = lambda values, f: ", ".join(f.format(v) for v in values)
print(f"per round: Resolve/s small [{fmt(s['resolve_rounds'], '{:.0f}')}], large "
      f"[{fmt(l['resolve_rounds'], '{:.0f}')}]; List p99 ms small [{fmt(s['list_p99_rounds'], '{:.2f}')}], "
      f"large [{fmt(l['list_p99_rounds'], '{:.2f}')}]; restarts s small [{fmt(s['restarts'], '{:.2f}')}], "
      f"large [{fmt(l['restarts'], '{:.2f}')}]")
ratios = [a / b for a, b in zip(l["resolve_rounds"], s["resolve_rounds"]) if b and not math.isnan(a)]
print(f"per round Resolve(large)/Resolve(small): [{fmt(ratios, '{:.2f}')}]")
cold_ratio = l["cold"] / s["resolve"] if s["resolve"] else nan
print(f"cold pass of the large set (each of its {large_owners:,} owners resolved once, before the "
      f"rounds; not a target): {l['cold']:.0f}/s, {cold_ratio:.2f} x the small set's rounds")
print()
def verdict(label, text, ok):
    print(f"{label}: {text} {'MET' if ok else 'NOT MET'}")
# As in bench.sh: the median of the per-round ratios (each compares runs seconds apart, so the
# machine's drift cancels), not the ratio of the medians (which pairs runs of different rounds).
ratio = median(ratios)
of_medians = l["resolve"] / s["resolve"] if s["resolve"] else nan
verdict(f"Resolve({l['registries']:,}) / Resolve({s['registries']:,}) throughput (target >= 0.90)",
        f"{ratio:.2f} (median of the per-round ratios; ratio of the medians {of_medians:.2f})",
        ratio >= 0.90 and l["errors"] == 0 and s["errors"] == 0)
verdict("ListRegistries first page p99 at the large set (target < 5 ms)",
        f"{l['list_p99']:.2f} ms", l["list_p99"] < 5)
verdict("restart to SERVING at the large set (target < 3 s)", f"{l['restart']:.2f} s",
        l["restart"] < 3)
verdict("registryd resident memory at the large set (target < 512 MiB)",
        f"{l['rss']:.0f} MiB (peak {l['hwm']:.0f} MiB)", l["rss"] < 512)
if s["errors"] or l["errors"]:
    print(f"errors: small {s['errors']}, large {l['errors']} (failed calls; see the JSON)")
PY
