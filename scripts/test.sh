#!/usr/bin/env bash
# Set up, build, and run the whole test suite through ctest: unit, statistical,
# exact-enumeration, calibration, command-line and rpact side-by-side tests.
# With --sanitizers (always in CI) it also runs the suite under AddressSanitizer
# + UndefinedBehaviorSanitizer, the parallel engine under ThreadSanitizer, and
# fuzzes the scenario parser for 60 s (scripts/fuzz.sh; SEPSIM_FUZZ_SECONDS).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=0
[ "${CI:-}" = true ] && sanitizers=1
[ "${1:-}" = --sanitizers ] && sanitizers=1
jobs=$(nproc 2>/dev/null || echo 2)


if [ "$sanitizers" -eq 1 ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer: the whole suite except the R and browser"
  echo "   checks (rpact comparisons, the R package, the HTML report: R, Python and chromium, not sepsim code)"
  scripts/setup.sh test asan
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    ctest --preset asan -j "$jobs" -LE '^(rpact|r|report)$'
  echo "== ThreadSanitizer: the parallel engine"
  scripts/setup.sh test tsan sepsim_tests # the engine's tests only
  TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" ctest --preset tsan -L engine
  echo "== libFuzzer: the scenario parser and validator"
  scripts/fuzz.sh "${SEPSIM_FUZZ_SECONDS:-60}"
fi


echo "== MPI build: distributed runs against one process (mpirun -n 2 and 3)"
scripts/setup.sh mpi mpi sepsim # the test runs the executable only
ctest --preset mpi -L mpi

echo "== Release build: the whole suite"

scripts/setup.sh test release
scripts/install-r-package.sh build/sepsim
ctest --preset release -j "$jobs"
