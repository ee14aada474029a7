#!/usr/bin/env bash
# sepsim's ordinal power and type I error on the two-arm design
# (scenarios/validation/ordinal_two_arm.toml: 5 categories worst first, control
# probabilities 0.25/0.15/0.2/0.2/0.2, active by proportional odds, 120 per arm,
# one-sided 0.025) against the independent R reference
# scripts/ordinal_reference.R (simulation; its own vectorised proportional-odds
# fit checked against ordinal::clm and MASS::polr, its vectorised Wilcoxon
# against wilcox.test). Every compared probability must agree within 4 combined
# Monte Carlo SE.
# Grid: test proportional_odds and wilcoxon x odds ratio 1.8 (power) and 1.0
# (type I error): 4 comparisons.
# Replicates: sepsim 20,000 and the R reference 20,000 per comparison (the R
# reference takes ~4 s for the proportional-odds test and ~2 s for the
# Wilcoxon test, start-up included, on one core).
# Also an approximation check, not a Monte Carlo one: Whitehead's (1993)
# approximate power of the proportional-odds test (printed by the R reference)
# must lie within 0.03 of both simulations' proportional-odds power.
# Usage: ordinal_test.sh SEPSIM
#        ordinal_test.sh --reference-only   (the R half alone: prints its numbers)
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=20000
r_reps=20000
whitehead_tolerance=0.03

reference_name="R reference"
source "$(dirname "$0")/agree.sh"
require_r_packages MASS ordinal

# The grid, one line a comparison: TEST ODDS_RATIO SEED.
seed=7000
for test in proportional_odds wilcoxon; do
  for odds_ratio in 1.8 1.0; do
    seed=$((seed + 1))
    echo "$test $odds_ratio $seed"
  done
done >"$work/grid"

# The R reference first, one call at a time, each timed; its output in
# $work/reference.SEED.
while read -r test odds_ratio seed; do
  start=$SECONDS
  Rscript "$here/scripts/ordinal_reference.R" "$r_reps" "$seed" "$odds_ratio" "$test" \
    >"$work/reference.$seed.tmp" || { echo "R reference failed for seed $seed" >&2; exit 1; }
  echo "$(cat "$work/reference.$seed.tmp") wall=$((SECONDS - start))s" >"$work/reference.$seed"
done <"$work/grid"

while read -r test odds_ratio seed; do
  what=$([ "$odds_ratio" = 1.0 ] && echo "type I error" || echo "power")
  label="$test $what, odds ratio $odds_ratio"
  reference=$(cat "$work/reference.$seed")
  if [ "$sepsim" = --reference-only ]; then
    echo "$label: $reference"
    continue
  fi
  "$sepsim" run "$here/scenarios/validation/ordinal_two_arm.toml" --reps "$reps" --seed "$seed" \
    --no-progress --overwrite --out "$work/ordinal.h5" --json \
    --set "designs.main.analysis.test=\"$test\"" \
    --set "treatments.active.ordinal_odds_ratio.all=$odds_ratio" \
    >"$work/ordinal.json"
  power=$(json "$work/ordinal.json" "d['power']")
  agree_binomial "$label (R: failed fits $(field failures "$reference"))" \
    "$power" "$(json "$work/ordinal.json" "d['power_mcse']")" \
    "$(field power "$reference")" "$r_reps"
  # Whitehead's approximation against both simulations' proportional-odds power.
  if [ "$test" = proportional_odds ] && [ "$odds_ratio" = 1.8 ]; then
    checks=$((checks + 1))
    /usr/bin/python3 - "$(field whitehead_power "$reference")" "$power" "$(field power "$reference")" \
      "$whitehead_tolerance" <<'PY' || failures=$((failures + 1))
import sys
whitehead, s, r, tolerance = map(float, sys.argv[1:5])
ok = abs(whitehead - s) <= tolerance and abs(whitehead - r) <= tolerance
print(f"proportional_odds power, Whitehead (1993) approximation {whitehead:.5f}: sepsim {s:.5f} "
      f"({s - whitehead:+.5f}), R reference {r:.5f} ({r - whitehead:+.5f}), "
      f"tolerance {tolerance} (an approximation, not Monte Carlo SE) -> {'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
  fi
done <"$work/grid"

[ "$sepsim" = --reference-only ] && exit 0
echo "ordinal side by side: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
