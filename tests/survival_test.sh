#!/usr/bin/env bash
# sepsim's log-rank power and type I error on the two-arm mortality design
# (scenarios/validation/survival_two_arm.toml: exponential death times from the
# 28-day mortalities, everyone followed 28 days, unstratified log-rank) against
# the independent R reference scripts/survival_reference.R (simulation, with a
# vectorised log-rank checked against survival::survdiff). Every compared
# probability must agree within 4 combined Monte Carlo SE.
# Grid: N 300 and 900 x allocation 1:1 (block 2) and 2:1 (block 3) x
# alpha 0.025 one-sided and 0.05 two-sided (upper side) x p_active 0.43 (power)
# and 0.497 (type I error), p_control 0.497: 16 comparisons, each at the patient
# level and at the count level (simulation = "counts").
# Replicates: sepsim 20,000 and the R reference 20,000 per comparison (the R
# reference takes ~3 s at N = 300 and ~6-8 s at N = 900 for 20,000 on one core).
# Usage: survival_test.sh SEPSIM
#        survival_test.sh --reference-only   (the R half alone: prints its numbers)
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=20000
r_reps=20000
p_control=0.497

reference_name="R reference"
source "$(dirname "$0")/agree.sh"
require_r_packages survival

# The grid, one line a comparison: N A B ALPHA SIDED P_ACTIVE SEED.
seed=5000
for n in 300 900; do
  for allocation in 1:1 2:1; do
    for test in 0.025:1 0.05:2; do
      for p_active in 0.43 $p_control; do
        seed=$((seed + 1))
        echo "$n ${allocation%:*} ${allocation#*:} ${test%:*} ${test#*:} $p_active $seed"
      done
    done
  done
done >"$work/grid"

# The R reference first, two at a time (R's start-up, ~4 s a call, is half its
# time), each call timed; its output in $work/reference.SEED.
while read -r n a b alpha sided p_active seed; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  (
    start=$SECONDS
    Rscript "$here/scripts/survival_reference.R" "$r_reps" "$n" "$a" "$b" "$p_active" "$p_control" \
      "$alpha" "$sided" "$seed" >"$work/reference.$seed.tmp"
    echo "$(cat "$work/reference.$seed.tmp") wall=$((SECONDS - start))s" >"$work/reference.$seed"
  ) &
done <"$work/grid"
wait
while read -r n a b alpha sided p_active seed; do
  [ -s "$work/reference.$seed" ] || { echo "R reference failed for seed $seed" >&2; exit 1; }
done <"$work/grid"

while read -r n a b alpha sided p_active seed; do
  what=$([ "$p_active" = "$p_control" ] && echo "type I error" || echo "power")
  label="log-rank $what, N $n, $a:$b, alpha $alpha sided $sided"
  reference=$(cat "$work/reference.$seed")
  if [ "$sepsim" = --reference-only ]; then
    echo "$label: $reference"
    continue
  fi
  # Both levels: every patient drawn in full, and the count level (each
  # patient's arm and day of death only).
  for level in patients counts; do
  "$sepsim" run "$here/scenarios/validation/survival_two_arm.toml" --reps "$reps" --seed "$seed" \
    --no-progress --overwrite --out "$work/survival.h5" --json \
    --set "designs.main.simulation=\"$level\"" \
    --set "treatments.active.death_by_day_28.all=$p_active" \
    --set "treatments.control.death_by_day_28.all=$p_control" \
    --set "designs.main.sample_size=$n" --set "designs.main.allocation=[$a, $b]" \
    --set "designs.main.randomisation.block_size=$((a + b))" \
    --set "designs.main.analysis.alpha=$alpha" --set "designs.main.analysis.sided=$sided" \
    >"$work/survival.json"
  agree_binomial "$label, $level level (R: mean deaths $(field events "$reference"))" \
    "$(json "$work/survival.json" "d['power']")" "$(json "$work/survival.json" "d['power_mcse']")" \
    "$(field power "$reference")" "$r_reps"
  done
done <"$work/grid"

[ "$sepsim" = --reference-only ] && exit 0
echo "log-rank side by side: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
