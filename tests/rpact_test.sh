#!/usr/bin/env bash
# sepsim and rpact run side by side on the same designs; every compared
# probability must agree within 4 combined Monte Carlo SE.
#  1. two-arm rates (scenarios/validation/rates_two_arm.toml) against
#     getSimulationRates: power and type I error, sepsim at patient and count
#     level, 100,000 replicates each;
#  2. three-arm Dunnett (scenarios/validation/multiarm_rates.toml) against
#     getSimulationMultiArmRates: P(reject at least one) and per-arm rejection,
#     sepsim 100,000 replicates, rpact 20,000 (it takes ~0.3 ms a replicate);
#  3. enrichment (scenarios/validation/enrichment_rates.toml) against
#     getSimulationEnrichmentRates: subgroup, full population and either.
# Usage: rpact_test.sh SEPSIM
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=100000

reference_name="rpact"
source "$(dirname "$0")/agree.sh"
require_r_packages rpact mnormt

for p_active in 0.351 0.179; do
  rpact=$(Rscript "$here/scripts/rpact_rates.R" "$reps" "$p_active")
  for mode in patients counts; do
    "$sepsim" run "$here/scenarios/validation/rates_two_arm.toml" --reps "$reps" --seed 4242 \
      --set "treatments.active.response.all=$p_active" --set "designs.main.simulation=\"$mode\"" \
      --json --no-progress --overwrite --out "$work/rates.h5" >"$work/rates.json"
    agree_binomial "rates p_active $p_active, $mode level" "$(json "$work/rates.json" "d['power']")" \
      "$(json "$work/rates.json" "d['power_mcse']")" "$(field power "$rpact")" "$reps"
  done
done

rpact_reps=20000
rpact=$(Rscript "$here/scripts/rpact_multiarm.R" "$rpact_reps")
"$sepsim" run "$here/scenarios/validation/multiarm_rates.toml" --reps "$reps" --seed 4243 \
  --json --no-progress --out "$work/multiarm.h5" >"$work/multiarm.json"
agree_binomial "multi-arm Dunnett, reject at least one" "$(json "$work/multiarm.json" "d['any_rejection']")" \
  "$(json "$work/multiarm.json" "d['any_rejection_mcse']")" "$(field any "$rpact")" "$rpact_reps"
for arm in 1 2; do
  agree_binomial "multi-arm Dunnett, arm $arm rejected" \
    "$(json "$work/multiarm.json" "d['hypotheses'][$((arm - 1))]['power']")" \
    "$(json "$work/multiarm.json" "d['hypotheses'][$((arm - 1))]['power_mcse']")" \
    "$(field "arm$arm" "$rpact")" "$rpact_reps"
done

rpact=$(Rscript "$here/scripts/rpact_enrichment.R" "$rpact_reps")
"$sepsim" run "$here/scenarios/validation/enrichment_rates.toml" --reps "$reps" --seed 4244 \
  --json --no-progress --out "$work/enrichment.h5" >"$work/enrichment.json"
agree_binomial "enrichment, reject at least one" "$(json "$work/enrichment.json" "d['any_rejection']")" \
  "$(json "$work/enrichment.json" "d['any_rejection_mcse']")" "$(field any "$rpact")" "$rpact_reps"
for h in 0 1; do
  name=$([ "$h" = 0 ] && echo subgroup || echo full)
  agree_binomial "enrichment, $name rejected" "$(json "$work/enrichment.json" "d['hypotheses'][$h]['power']")" \
    "$(json "$work/enrichment.json" "d['hypotheses'][$h]['power_mcse']")" "$(field "$name" "$rpact")" \
    "$rpact_reps"
done

echo "rpact side by side: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
