#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) in their own build dir and runs
# each for a bounded time on a scratch copy of its committed seed corpus. Exits non-zero when any
# target finds a crash, leak, timeout, out-of-memory or sanitizer report, naming the target and
# the saved input. See tests/fuzz/README.md.
#
#   scripts/run-fuzzers.sh [SECONDS_PER_TARGET=60] [BUILD_DIR=build-fuzz]
#
# Environment: JOBS (build parallelism, default nproc), FUZZ_TARGETS (space-separated subset),
# CXX_FOR_FUZZ / CC_FOR_FUZZ (default clang++ / clang), FUZZ_ARTIFACTS (where failing inputs are
# kept, default BUILD_DIR/fuzz-artifacts).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
BUILD_DIR=${2:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
ALL_TARGETS="fuzz_image_reference fuzz_server_key fuzz_jwt fuzz_jwks fuzz_envelope
  fuzz_request_validators"
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}
ARTIFACTS=${FUZZ_ARTIFACTS:-$BUILD_DIR/fuzz-artifacts}

if ! [[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS_PER_TARGET=60] [BUILD_DIR=build-fuzz]" >&2
  exit 2
fi

cmake -S . -B "$BUILD_DIR" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="${CXX_FOR_FUZZ:-clang++}" \
  -DCMAKE_C_COMPILER="${CC_FOR_FUZZ:-clang}" \
  -DREGISTRY_FUZZ=ON \
  -DREGISTRY_SANITIZE=address,undefined \
  -DREGISTRY_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" --target registry_fuzzers -j"$JOBS"

mkdir -p "$ARTIFACTS"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failed=()
for target in $TARGETS; do
  seeds=tests/fuzz/corpus/$target
  binary=$BUILD_DIR/bin/$target
  if [[ ! -x "$binary" || ! -d "$seeds" ]]; then
    echo "run-fuzzers: unknown target $target (no $binary or $seeds)" >&2
    failed+=("$target")
    continue
  fi
  # Never mutate the committed seeds: libFuzzer writes new inputs into its first corpus dir.
  corpus=$scratch/$target
  mkdir -p "$corpus"
  cp -R "$seeds/." "$corpus/"
  log=$scratch/$target.log
  rm -f "$ARTIFACTS/$target-"*
  echo "=== $target: ${SECONDS_PER_TARGET}s on $(ls "$corpus" | wc -l) seeds"
  status=0
  "$binary" "$corpus" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/$target-" >"$log" 2>&1 || status=$?
  # The last status line ("#N ... cov: <edges> ft: <features> ... exec/s: ...") and the stats.
  grep -E '^#[0-9]+.* cov: ' "$log" | tail -n 1 || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  if [[ $status -ne 0 ]]; then
    echo "!!! $target FAILED (exit $status); last 60 lines of its log:"
    tail -n 60 "$log"
    ls -1 "$ARTIFACTS/$target-"* 2>/dev/null | sed 's/^/!!! saved input: /' || true
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "run-fuzzers: FAILED: ${failed[*]} (reproduce: $BUILD_DIR/bin/<target> <saved input>)" >&2
  exit 1
fi
echo "run-fuzzers: all targets clean (${SECONDS_PER_TARGET}s each)"
