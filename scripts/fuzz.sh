#!/usr/bin/env bash
# Fuzzes the scenario parser and validator (and, for small valid scenarios,
# two simulated trials), and --set/--design/--vary/--null lines on the bundled
# scenario, with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer,
# seeded with every committed scenario, the bad-input corpus and tests/fuzz/seeds.
# Installs clang if missing and builds the `fuzz` preset.
#
# Usage: scripts/fuzz.sh [SECONDS]    default 60 (what CI runs); a longer run:
#        scripts/fuzz.sh 3600          (inputs that reach new code are kept in
#                                       build-fuzz/corpus and seed the next run)
# A crash, a leak, a hang over 10 s or an uncaught exception fails the run and
# leaves the input as build-fuzz/crash-* (or leak-*, timeout-*): replay it with
#   build-fuzz/sepsim_fuzz_scenario build-fuzz/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

scripts/setup.sh fuzz fuzz
corpus=build-fuzz/corpus
seeds=build-fuzz/seeds
mkdir -p "$corpus" "$seeds"
find scenarios tests/bad_inputs -name '*.toml' -exec cp {} "$seeds/" \;
cp tests/fuzz/seeds/* "$seeds/" # '@' inputs: --set, --design, --vary and --null lines

log=build-fuzz/fuzz.log
echo "== libFuzzer: the scenario parser for ${seconds}s, seeded with $(ls "$seeds" | wc -l) files"
status=0
(cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ./sepsim_fuzz_scenario -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 corpus seeds) >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ "$status" -ne 0 ]; then
  tail -40 "$log"
  echo "fuzz: FAILED after ${runs:-?} inputs; the input is in build-fuzz/ (crash-*, leak-* or timeout-*)"
  exit 1
fi
echo "fuzz: ${runs} inputs in ${seconds}s, no crash, leak, hang or uncaught exception" \
  "(corpus: $(ls "$corpus" | wc -l) inputs)"
