#!/usr/bin/env bash
# sepsim (patient level and count level) and rpact's getSimulationRates run
# side by side on the same two-arm rates design
# (scenarios/validation/rates_two_arm.toml), power and type I error, all at
# 100,000 replicates: they must agree within 4 combined Monte
# Carlo SE. Usage: rpact_test.sh SEPSIM
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=100000

if ! Rscript -e 'suppressPackageStartupMessages(library(rpact))' >/dev/null 2>&1; then
  echo "rpact is not installed (Debian package r-cran-rpact); scripts/test.sh installs it" >&2
  exit 1
fi

failures=0
checks=0
for p_active in 0.351 0.179; do
  rpact=$(Rscript "$here/scripts/rpact_rates.R" "$reps" "$p_active")
  rpact_power=$(sed -n 's/.*power=\([0-9.]*\).*/\1/p' <<<"$rpact")
  for mode in patients counts; do
    checks=$((checks + 1))
    "$sepsim" run "$here/scenarios/validation/rates_two_arm.toml" --reps "$reps" --seed 4242 \
      --set "treatments.active.response.all=$p_active" --set "designs.main.simulation=\"$mode\"" \
      --json --no-progress --out "$work/rates.h5" >"$work/rates.json"
    /usr/bin/python3 - "$work/rates.json" "$rpact_power" "$reps" "$p_active $mode" <<'PY' || failures=$((failures + 1))
import json, math, sys
doc = json.load(open(sys.argv[1]))
design = doc["points"][0]["designs"][0]
sepsim, sepsim_se = design["power"], design["power_mcse"]
rpact, reps = float(sys.argv[2]), int(sys.argv[3])
rpact_se = math.sqrt(rpact * (1 - rpact) / reps)
combined = math.hypot(sepsim_se, rpact_se)
z = (sepsim - rpact) / combined
ok = abs(z) < 4
print(f"p_active, mode {sys.argv[4]}: sepsim {sepsim:.5f} ± {sepsim_se:.5f}, rpact {rpact:.5f} ± {rpact_se:.5f}, "
      f"difference {z:+.2f} combined SE -> {'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
  done
done
echo "rpact side by side: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
