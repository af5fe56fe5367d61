#!/usr/bin/env bash
# Longer crash soak: SIGKILLs registryd under concurrent writers CYCLES times (default 200) and
# checks after every restart that nothing acknowledged was lost (tests/integration/crash_test.cc).
set -euo pipefail
CYCLES=${1:-200}
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR" --target crash_test registryd
REGISTRY_CRASH_CYCLES=$CYCLES "$BUILD_DIR/bin/crash_test" --gtest_brief=1
