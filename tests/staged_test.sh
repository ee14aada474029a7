#!/usr/bin/env bash
# Group-sequential designs with several hypotheses, sepsim and rpact side by
# side; every compared quantity must agree within 4 combined Monte Carlo SE.
#  1. three-arm, three-stage (scenarios/validation/multiarm_gsd.toml) against
#     getSimulationMultiArmRates (Dunnett intersection tests, "best" selection):
#     P(reject at least one), each arm's rejection, each arm's selection
#     probability at looks 2 and 3, and the expected number of patients;
#  2. two-stage enrichment (scenarios/validation/enrichment_gsd.toml) against
#     getSimulationEnrichmentRates (Bonferroni, "best" population selection);
#  3. both under --null against rpact's null runs: the family-wise error, and
#     that it stays at the nominal 0.025 (within 4 SE).
# sepsim runs 100,000 replicates; rpact 10,000 (about 1.5 ms a replicate for
# the multi-arm design), or 100,000 with SEPSIM_LONG=1.
# Usage: staged_test.sh SEPSIM
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=100000
rpact_reps=10000
[ "${SEPSIM_LONG:-}" = 1 ] && rpact_reps=100000

reference_name="rpact"
source "$(dirname "$0")/agree.sh"
require_r_packages rpact mnormt

# agree_mean LABEL KEY: sepsim's expected N against rpact's, whose SE is
# sepsim's scaled to rpact's replicates (the same distribution of N).
agree_mean() {
  local s s_se
  s=$(json "$work/run.json" "d['expected_n']")
  s_se=$(json "$work/run.json" "d['expected_n_mcse']")
  agree "$1" "$s" "$s_se" "$(field "$2" "$rpact")" \
    "$(/usr/bin/python3 -c "import math; print($s_se * math.sqrt($reps / $rpact_reps))")"
}
# check LABEL EXPRESSION KEY: a sepsim probability against rpact's.
check() {
  agree_binomial "$1" "$(json "$work/run.json" "$2")" \
    "$(json "$work/run.json" "$3")" "$(field "$4" "$rpact")" "$rpact_reps"
}
run() { # SCENARIO [--null]
  "$sepsim" run "$here/scenarios/validation/$1.toml" --reps "$reps" --seed 5151 "${@:2}" \
    --json --no-progress --overwrite --out "$work/run.h5" >"$work/run.json"
}
# nominal LABEL: the family-wise error under --null is at most 0.025 + 4 SE.
nominal() {
  checks=$((checks + 1))
  /usr/bin/python3 - "$1" "$(json "$work/run.json" "d['any_rejection']")" \
    "$(json "$work/run.json" "d['any_rejection_mcse']")" <<'PY' || failures=$((failures + 1))
import sys
label, p, se = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ok = p <= 0.025 + 4 * se
print(f"{label}: family-wise error {p:.5f} ± {se:.5f} against 0.025 -> {'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
}

rpact=$(Rscript "$here/scripts/rpact_multiarm_gsd.R" "$rpact_reps" 20261129)
run multiarm_gsd
check "multi-arm, reject at least one" "d['any_rejection']" "d['any_rejection_mcse']" any
for arm in 1 2; do
  h="d['hypotheses'][$((arm - 1))]"
  check "multi-arm, arm $arm rejected" "$h['power']" "$h['power_mcse']" "arm$arm"
  for look in 2 3; do
    check "multi-arm, arm $arm selected for stage $look" "$h['selected_per_look']['look_$look']" \
      "$h['selected_per_look']['look_${look}_mcse']" "selected_arm${arm}_look$look"
  done
done
agree_mean "multi-arm, expected patients" expected_n

rpact=$(Rscript "$here/scripts/rpact_multiarm_gsd.R" "$rpact_reps" 20261130 1)
run multiarm_gsd --null
check "multi-arm under the null, family-wise error" "d['any_rejection']" "d['any_rejection_mcse']" any
nominal "multi-arm under the null"

rpact=$(Rscript "$here/scripts/rpact_enrichment_gsd.R" "$rpact_reps" 20261129)
run enrichment_gsd
check "enrichment, reject at least one" "d['any_rejection']" "d['any_rejection_mcse']" any
for h in 0 1; do
  name=$([ "$h" = 0 ] && echo subgroup || echo full)
  hy="d['hypotheses'][$h]"
  check "enrichment, $name rejected" "$hy['power']" "$hy['power_mcse']" "$name"
  check "enrichment, $name selected for stage 2" "$hy['selected_per_look']['look_2']" \
    "$hy['selected_per_look']['look_2_mcse']" "selected_$name"
done
agree_mean "enrichment, expected patients" expected_n

rpact=$(Rscript "$here/scripts/rpact_enrichment_gsd.R" "$rpact_reps" 20261130 1)
run enrichment_gsd --null
check "enrichment under the null, family-wise error" "d['any_rejection']" "d['any_rejection_mcse']" any
nominal "enrichment under the null"

# 4. The follow-up scenario's designs (ImmunoSep's population, misclassified
#    labels) under --null: every design's family-wise error at most 0.025 + 4 SE.
"$sepsim" run "$here/scenarios/followup-three-arm-gsd.toml" --reps 40000 --seed 5152 --null \
  --design three_arm_fixed --design three_arm_gsd --design three_arm_select \
  --json --no-progress --overwrite --out "$work/run.h5" >"$work/all.json"
for design in 0 1 2; do
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['points'][0]['designs'][$design]; json.dump(d, open(sys.argv[2], 'w'))" \
    "$work/all.json" "$work/one.json"
  /usr/bin/python3 -c "import json,sys; json.dump({'points': [{'designs': [json.load(open(sys.argv[1]))]}]}, open(sys.argv[2], 'w'))" \
    "$work/one.json" "$work/run.json"
  nominal "followup-three-arm-gsd design $design under the null"
done

# 5. The graph of Holm's procedure (equal weights, each passing all to the
#    other) gives every intersection the Bonferroni weights: the enrichment
#    design decides exactly as with multiplicity = "holm".
checks=$((checks + 1))
"$sepsim" run "$here/scenarios/validation/enrichment_gsd.toml" --reps 20000 --seed 5153 \
  --json --no-progress --overwrite --out "$work/run.h5" >"$work/holm.json"
"$sepsim" run "$here/scenarios/validation/enrichment_gsd.toml" --reps 20000 --seed 5153 \
  --set 'designs.main.analysis.multiplicity="graphical"' \
  --set 'designs.main.analysis.transitions=[[0.0, 1.0], [1.0, 0.0]]' \
  --json --no-progress --overwrite --out "$work/run.h5" >"$work/graph.json"
if [ "$(json "$work/holm.json" "d['hypotheses']")" = "$(json "$work/graph.json" "d['hypotheses']")" ]; then
  echo "graphical (Holm's graph) decides as holm at every look: ok"
else
  echo "graphical (Holm's graph) differs from holm: FAIL"
  failures=$((failures + 1))
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
