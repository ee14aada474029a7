#!/usr/bin/env bash
# sepsim's event-driven looks (scenarios/validation/survival_events.toml: N =
# 1200 entering at 600 a month, exponential deaths from 28-day mortalities
# 43.0% vs 49.7%, follow-up 28 days, log-rank looks at 150/300/450 deaths,
# O'Brien-Fleming-type spending, one-sided 0.025) against rpact's
# getSimulationSurvival (scripts/rpact_survival.R with FOLLOWUP_DAYS = 28), for
# the alternative and for the null (p_active = p_control = 0.497).
#
# Compared within 4 combined Monte Carlo SE: power (type I error), rejection
# at each look, and the expected deaths at the stop (sum over looks of P(stop
# there) x its deaths: its rpact SE from those shares). Under the null the
# type I error must also lie below alpha + 4 SE.
#
# Not compared, printed only: the expected number of patients entered and
# the duration. rpact's entry is deterministic (patient i on day i / rate,
# arms alternating); sepsim's is a Poisson process (arms in blocks of 2), so
# the number entered by a look time (and the look time itself) varies more
# in sepsim. The log-rank statistic at a given number of deaths hardly
# depends on the entry pattern, so the rejections and deaths agree; the
# patient counts and times agree only approximately (rpact gives no SE for
# them either).
# Both sepsim levels are compared: the patient level and the count level
# (simulation = "counts", each patient's arm, entry and day of death only).
# Replicates: sepsim 10,000 and rpact 5,000 per case (~10 s of R each).
# Usage: survival_events_test.sh SEPSIM
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=10000
r_reps=5000
p_control=0.497
events=150,300,450
alpha=0.025

reference_name="rpact"
source "$(dirname "$0")/agree.sh"
require_r_packages rpact
# below LABEL VALUE SE LIMIT: VALUE < LIMIT + 4 SE
below() {
  checks=$((checks + 1))
  /usr/bin/python3 - "$@" <<'PY' || failures=$((failures + 1))
import sys
label, v, se, limit = sys.argv[1], *map(float, sys.argv[2:5])
ok = v < limit + 4 * se
print(f"{label}: {v:.5f} ± {se:.5f} < {limit} + 4 SE -> {'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
}
# binomial SE of a share P estimated from N trials
binse() { /usr/bin/python3 -c "import math,sys; p=float(sys.argv[1]); print(math.sqrt(p*(1-p)/int(sys.argv[2])))" "$1" "$2"; }

# Both rpact runs in parallel (R's start-up is a good part of their time).
Rscript "$here/scripts/rpact_survival.R" "$r_reps" 1200 0.43 "$p_control" "$events" 600 "$alpha" \
  7001 28 >"$work/rpact.alt" &
Rscript "$here/scripts/rpact_survival.R" "$r_reps" 1200 "$p_control" "$p_control" "$events" 600 \
  "$alpha" 7002 28 >"$work/rpact.null" &
wait
# Both levels: the patient level (every patient drawn in full) and the count
# level (simulation = "counts": each patient's arm, entry and day of death only).
for level in patients counts; do
for case in alt null; do
  p_active=$([ "$case" = alt ] && echo 0.43 || echo "$p_control")
  seed=$([ "$case" = alt ] && echo 8001 || echo 8002)
  what="$level level: $([ "$case" = alt ] && echo power || echo "type I error")"
  reference=$(cat "$work/rpact.$case")
  [ -n "$reference" ] || { echo "rpact failed ($case)" >&2; exit 1; }
  "$sepsim" run "$here/scenarios/validation/survival_events.toml" --reps "$reps" --seed "$seed" \
    --no-progress --overwrite --out "$work/events.h5" --json \
    --set "designs.main.simulation=\"$level\"" \
    --set "treatments.active.death_by_day_28.all=$p_active" >"$work/events.json"
  j=$work/events.json
  agree "$what" "$(json "$j" "d['power']")" "$(json "$j" "d['power_mcse']")" \
    "$(field power "$reference")" "$(binse "$(field power "$reference")" "$r_reps")"
  for k in 1 2 3; do
    s=$(json "$j" "d['reject_per_look'][$((k - 1))]")
    agree "  rejection at look $k" "$s" "$(binse "$s" "$reps")" \
      "$(field reject$k "$reference")" "$(binse "$(field reject$k "$reference")" "$r_reps")"
  done
  # rpact's SE of the expected deaths: the deaths at the stop take the
  # values 150/300/450 with the shares stopping at each look.
  r_events_se=$(/usr/bin/python3 -c "
import math, sys
r1, r2, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
p = [r1, r2, 1 - r1 - r2]; e = [150, 300, 450]
m = sum(a * b for a, b in zip(p, e)); v = sum(a * b * b for a, b in zip(p, e)) - m * m
print(math.sqrt(max(v, 0) / n))" "$(field reject1 "$reference")" "$(field reject2 "$reference")" "$r_reps")
  agree "  expected deaths at the stop" "$(json "$j" "d['expected_events']")" \
    "$(json "$j" "d['expected_events_mcse']")" "$(field expected_events "$reference")" "$r_events_se"
  [ "$case" = null ] && below "  type I error below alpha" "$(json "$j" "d['power']")" \
    "$(json "$j" "d['power_mcse']")" "$alpha"
  echo "  not compared (entry differs): expected patients sepsim $(json "$j" "'%.1f' % d['expected_n']")," \
    "rpact $(field expected_subjects "$reference"); duration (days) sepsim" \
    "$(json "$j" "'%.2f' % (d['expected_duration_months'] * 365.25 / 12)"), rpact $(field duration "$reference");" \
    "planned deaths not reached: sepsim $(json "$j" "d['events_not_reached']"), rpact $(field events_not_achieved "$reference")"
done
done

echo "event-driven looks side by side: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
