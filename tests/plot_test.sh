#!/usr/bin/env bash
# scripts/plot.py draws a PNG from a small sweep. Usage: plot_test.sh SEPSIM
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$sepsim" sweep "$here/scenarios/immunosep.toml" --vary designs.immunosep.sample_size=100,200 \
  --vary population.prevalence.mals=0.04,0.2 --reps 100 --no-progress --out "$work/sweep.h5" >/dev/null
out=$(/usr/bin/python3 "$here/scripts/plot.py" "$work/sweep.h5" --out-dir "$work/plots")
[ -f "$out" ] || { echo "FAIL: plot.py wrote no file"; exit 1; }
head -c 8 "$out" | od -An -tx1 | grep -q "89 50 4e 47" || { echo "FAIL: $out is not a PNG"; exit 1; }
if /usr/bin/python3 "$here/scripts/plot.py" "$work/none.h5" 2>/dev/null; then
  echo "FAIL: plot.py accepted a missing file"; exit 1
fi
echo "plot: 1 passed, 0 failed"
