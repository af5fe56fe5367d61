# Shared shell helpers of scripts/bench.sh and scripts/bench-scale.sh; sourced, not run.
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
