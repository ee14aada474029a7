#!/usr/bin/env bash
# scripts/plot.py draws each kind of figure from small sweeps: power against N
# (two axes), against prevalence with the paired difference (teaching), and
# against assay error; and the endpoints figure of one run (power of each design
# beside its paired difference against the best). Each figure comes as PNG, PDF
# and SVG; design labels name the designs; figures go beside the results file by
# default; a sweep of one design's N draws that design only. Usage: plot_test.sh SEPSIM
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plot() { /usr/bin/python3 "$here/scripts/plot.py" "$@" --out-dir "$work/plots"; }
# The PNG is the first line plot.py prints; the PDF and SVG of the same figure follow it.
is_png() {
  local png
  png=$(printf '%s\n' "$1" | head -1)
  [ -f "$png" ] || { echo "FAIL: plot.py wrote no $png"; exit 1; }
  head -c 8 "$png" | od -An -tx1 | grep -q "89 50 4e 47" || { echo "FAIL: $png is not a PNG"; exit 1; }
  head -c 5 "${png%.png}.pdf" | grep -q "%PDF-" || { echo "FAIL: no PDF beside $png"; exit 1; }
  grep -q "<svg" "${png%.png}.svg" || { echo "FAIL: no SVG beside $png"; exit 1; }
  [ "$(printf '%s\n' "$1" | sed -n 2,3p | tr '\n' ' ')" = "${png%.png}.pdf ${png%.png}.svg " ] ||
    { echo "FAIL: plot.py printed '$1'"; exit 1; }
}
first() { printf '%s\n' "$1" | head -1; }
sweep() { "$sepsim" sweep "$@" --reps 100 --no-progress >/dev/null; }

sweep "$here/scenarios/sweeps/n-by-mals-prevalence.toml" --vary designs.immunosep.sample_size=100,200 \
  --vary population.prevalence.mals=0.04,0.2 --out "$work/n.h5"
out=$(plot "$work/n.h5")
[ "$(first "$out")" = "$work/plots/n-power-vs-n.png" ] || { echo "FAIL: power vs N: $out"; exit 1; }
is_png "$out"
# One design's N swept with two designs: only that design is drawn (the other is flat).
sweep "$here/scenarios/teaching/opal-vs-immunosep.toml" --vary designs.immunosep.sample_size=100,200 \
  --set 'designs.immunosep.label="Precision (anakinra / IFN-γ)"' --out "$work/one-n.h5"
out=$(/usr/bin/python3 "$here/scripts/plot.py" "$work/one-n.h5")  # beside the results file
[ "$(first "$out")" = "$work/one-n-power-vs-n.png" ] || { echo "FAIL: default folder: $out"; exit 1; }
is_png "$out"
grep -q "Precision (anakinra / IFN-γ)" "$work/one-n-power-vs-n.svg" || { echo "FAIL: no label in the figure"; exit 1; }
# (matplotlib keeps each text in a comment: osfa_anakinra only in the difference's legend)
osfa_texts=$(grep -- "<!-- .*osfa_anakinra" "$work/one-n-power-vs-n.svg")
if [ -n "$osfa_texts" ] && grep -qv " − osfa_anakinra -->" <<<"$osfa_texts"; then
  echo "FAIL: the design whose N is not swept is drawn as a flat line"; exit 1
fi

sweep "$here/scenarios/sweeps/teaching-mals-share.toml" --vary population.prevalence.mals=0.05,0.3 \
  --out "$work/teaching.h5"
is_png "$(plot "$work/teaching.h5")"
# Each design one colour, the difference its own: three distinct line colours.
colours=$(grep -oE 'stroke: ?#[0-9a-f]{6}' "$work/plots/teaching-power-vs-mals-prevalence.svg" |
  grep -viE '#(000000|ffffff|b0b0b0|808080)' | sort -u | wc -l)
[ "$colours" -ge 3 ] || { echo "FAIL: the difference shares a design's colour ($colours colours)"; exit 1; }
[ -f "$work/plots/teaching-power-vs-mals-prevalence.png" ] || { echo "FAIL: teaching name"; exit 1; }

sweep "$here/scenarios/sweeps/assay-error.toml" --vary population.hla_dr_per_monocyte.assay_cv=0,0.5 \
  --vary designs.immunosep.analysis.alpha=0.05,0.025 --vary designs.immunosep.sample_size=200,300 \
  --out "$work/assay.h5"
out=$(plot "$work/assay.h5" --x population.hla_dr_per_monocyte.assay_cv --fix designs.immunosep.sample_size=300)
[ "$(first "$out")" = "$work/plots/assay-power-vs-hladr-assay-cv.png" ] || { echo "FAIL: assay: $out"; exit 1; }
is_png "$out"

"$sepsim" run "$here/scenarios/followup-endpoints.toml" --reps 100 --no-progress \
  --out "$work/fe.h5" >/dev/null
out=$(plot endpoints "$work/fe.h5")
[ "$(first "$out")" = "$work/plots/fe-endpoints.png" ] || { echo "FAIL: endpoints: $out"; exit 1; }
is_png "$out"
out=$(/usr/bin/python3 "$here/scripts/plot.py" endpoints "$work/fe.h5" --out "$work/chosen.png")
[ "$(first "$out")" = "$work/chosen.png" ] && [ -s "$work/chosen.png" ] || { echo "FAIL: endpoints --out: $out"; exit 1; }
is_png "$out"

"$sepsim" run --reps 50 --no-progress --out "$work/run.h5" >/dev/null
for bad in "$work/none.h5" "$work/run.h5"; do
  if plot "$bad" 2>/dev/null; then echo "FAIL: plot.py accepted $bad"; exit 1; fi
done
# The endpoints figure needs 2 designs and their comparisons: exit 2, naming the file.
rc=0; err=$(plot endpoints "$work/run.h5" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: endpoints on one design: exit $rc"; exit 1; }
case $err in *"$work/run.h5 has 1 design;"*) ;; *) echo "FAIL: endpoints message: $err"; exit 1;; esac
[ ! -e "$work/plots/run-endpoints.png" ] || { echo "FAIL: endpoints wrote a refused figure"; exit 1; }
echo "plot: 6 figures (PNG, PDF, SVG each), 3 refusals passed"
