#!/usr/bin/env bash
# Set up, build, and run the whole test suite through ctest: unit, statistical,
# exact-enumeration, calibration, command-line and rpact side-by-side tests.
# With --sanitizers (always in CI) it also runs the suite under AddressSanitizer
# + UndefinedBehaviorSanitizer and the parallel engine under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=0
[ "${CI:-}" = true ] && sanitizers=1
[ "${1:-}" = --sanitizers ] && sanitizers=1
jobs=$(nproc 2>/dev/null || echo 2)

scripts/setup.sh test release
ctest --preset release -j "$jobs"

if [ "$sanitizers" -eq 1 ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer: whole suite but rpact (same code path as the cli test)"
  scripts/setup.sh test asan
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    ctest --preset asan -j "$jobs" -LE rpact
  echo "== ThreadSanitizer: the parallel engine"
  scripts/setup.sh test tsan
  TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" build-tsan/tests/sepsim_tests "[engine]"
fi
