# Shared shell helpers of the bench scripts (bench.sh, bench-scale.sh, bench-ab*.sh); sourced, not run.
# The sourcing script sets BIN (the build's bin/ directory) and WORK (its scratch dir) first.
# PIDS collects the processes the script starts; on exit only those are stopped (by PID) and
# WORK is removed.
PIDS=()
bench_cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

# A free loopback TCP port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT PID: waits up to 10 s until PORT accepts connections; fails early if PID exits.
wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "bench: process $2 exited early" >&2; return 1; }
    sleep 0.05
  done
  echo "bench: port $1 not open after 10 s" >&2
  return 1
}

# dev_setup DIR: a development master key, Ed25519 signing key and JWKS in DIR.
dev_setup() {
  (umask 077 && "$BIN/registryctl" dev master-key >"$1/master.key")
  "$BIN/registryctl" dev keygen --key-out "$1/signing.key" --jwks-out "$1/jwks.json" \
    --kid dev >/dev/null
}

# ab_rounds ROUNDS DURATION LABEL CLIENT_FUNCTION: the side-by-side rounds of bench-ab.sh and
# bench-ab-scale.sh. Needs the associative array PID (servers A and B). Each round runs
# `CLIENT_FUNCTION A` and `CLIENT_FUNCTION B` at the same time (each loads its server for
# DURATION and writes registry-bench's JSON to $WORK/<side>.json), then prints each server's
# calls/s and CPU per call (utime+stime of /proc/PID/stat over the round / calls) and B/A of CPU
# per call; at the end, the median of the per-round ratios.
ab_rounds() {
  local rounds=$1 duration=$2 label=$3 client=$4
  local round side ticks rate per_call ratio line median
  local -a ratios=()
  local -A t0 pid_of per_call_of
  cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
  for round in $(seq "$rounds"); do
    for side in A B; do t0[$side]=$(cpu_ticks "${PID[$side]}"); done
    for side in A B; do
      "$client" "$side" &
      pid_of[$side]=$!
    done
    wait "${pid_of[A]}" "${pid_of[B]}"
    line="round $round:"
    for side in A B; do
      ticks=$(($(cpu_ticks "${PID[$side]}") - ${t0[$side]}))
      read -r rate per_call < <(python3 - "$WORK/$side.json" "$ticks" "$duration" <<'PY'
import json, sys
report = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
rpc = report["rpcs"][0]
seconds = float(sys.argv[3].rstrip("s"))
calls = rpc["throughput_per_s"] * seconds
print(f'{rpc["throughput_per_s"]:.0f} {int(sys.argv[2]) / 100 / calls * 1e6:.1f}')
PY
      )
      per_call_of[$side]=$per_call
      line+="  $side $rate/s ${per_call} us/call"
    done
    ratio=$(python3 -c "print(f'{${per_call_of[B]} / ${per_call_of[A]}:.3f}')")
    ratios+=("$ratio")
    echo "$line  B/A CPU per call $ratio"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  echo "B/A server CPU per $label: median $median over $rounds rounds (< 1: B is cheaper)"
}
