#!/usr/bin/env bash
# Design families against rpact at equal trials, measured in one run: the fixed
# two-arm rates design (scenarios/validation/rates_two_arm.toml), its three-look
# version (gsd_rates.toml), the three-arm three-stage design with Dunnett tests and
# best-arm selection (multiarm_gsd.toml) and the two-stage enrichment design
# (enrichment_gsd.toml), each at sepsim's fastest correct level (count level),
# (the fixed and three-look designs also drawing only their primary outcome,
# secondary_outcomes = false, as rpact does), and the fixed design at the patient level. sepsim: the whole process (start-up,
# scenario, simulation, HDF5 and JSON output), 2 threads. rpact 3.3.4: its own
# system.time of the simulation call (R's start-up and package load excluded).
#
# Usage: scripts/bench/families.sh   (scripts/bench.sh runs it; needs build/sepsim and rpact)
# Environment (optional): SEPSIM_BENCH_FIXED    trials of the fixed and three-look designs (1000000)
#                         SEPSIM_BENCH_RUNS     sepsim runs a design, the median reported (3)
#                         SEPSIM_BENCH_FAMILY   trials of the multi-arm and enrichment designs (100000)
#                         SEPSIM_BENCH_PATIENT  trials of the fixed design at the patient level (100000)
#                         SEPSIM_BENCH_FAST     extra --set options for the count-level fixed design
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PY=/usr/bin/python3
SEPSIM=build/sepsim
FIXED=${SEPSIM_BENCH_FIXED:-1000000}
FAMILY=${SEPSIM_BENCH_FAMILY:-100000}
PATIENT=${SEPSIM_BENCH_PATIENT:-100000}
V=scenarios/validation
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a FAST <<<"${SEPSIM_BENCH_FAST:-}"

# timed NAME REPS ARGS...: sepsim run at 2 threads, SEPSIM_BENCH_RUNS times
# (3; the same JSON each time); prints "seconds power any runs": the median
# wall clock (a run of well under a second moves by a third with a busy
# machine's moment; rpact's calls last 10 s to 2 minutes and run once), any:
# P(at least one hypothesis rejected) where the design has several.
timed() {
  local name=$1 reps=$2
  shift 2
  "$PY" - "$tmp/$name.json" "${SEPSIM_BENCH_RUNS:-3}" "$SEPSIM" run "$@" --reps "$reps" \
    --threads 2 --json --overwrite --no-progress --out "$tmp/$name.h5" <<'EOF_PY'
import json, statistics, subprocess, sys, time
walls, texts = [], set()
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    with open(sys.argv[1], "w") as out:
        subprocess.run(sys.argv[3:], check=True, stdout=out)
    walls.append(time.perf_counter() - start)
    texts.add(open(sys.argv[1]).read())
if len(texts) != 1:
    sys.exit("families: the runs of one design gave different JSON")
design = json.load(open(sys.argv[1]))["points"][0]["designs"][0]
print(statistics.median(walls), design["power"], design.get("any_rejection", design["power"]),
      "/".join(f"{w:.3f}" for w in walls))
EOF_PY
}

# field KEY LINE: the value of KEY=value in an rpact script's output line.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

: >"$tmp/rows.tsv"
# row LABEL REPS AIM RPACT_LINE RPACT_KEY SEPSIM_ARGS...: RPACT_KEY names the
# probability compared (power, or any: at least one hypothesis rejected).
row() {
  local label=$1 reps=$2 aim=$3 rline=$4 rkey=$5
  shift 5
  echo "  sepsim: $label, $reps trials, 2 threads ..." >&2
  read -r s_wall s_power s_any s_runs < <(timed "row$(wc -l <"$tmp/rows.tsv")" "$reps" "$@")
  [[ $rkey == any ]] && s_power=$s_any
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$reps" "$(field seconds "$rline")" \
    "$(field "$rkey" "$rline")" "$s_wall" "$s_power" "$aim" "$s_runs" >>"$tmp/rows.tsv"
}

# Each design's rpact run just before its sepsim runs: the machine's speed
# moves by a third within minutes, and a ratio compares the two at one moment.
echo "Design families against rpact (each design: rpact, then sepsim) ..." >&2
rpact() {
  echo "  rpact: $1 ..." >&2
  shift
  Rscript "$@"
}

COUNTS=(--set 'designs.main.simulation="counts"')
r_fixed=$(rpact "fixed rates, $FIXED iterations" scripts/rpact_rates.R "$FIXED")
row "fixed two-arm rates, count level" "$FIXED" 50 "$r_fixed" power \
  $V/rates_two_arm.toml "${COUNTS[@]}" "${FAST[@]}"
# The same design drawing only what its primary analysis needs, as rpact does
# (secondary_outcomes = false: secondary outcomes are NaN).
row "  the same, primary outcome only" "$FIXED" 50 "$r_fixed" power \
  $V/rates_two_arm.toml "${COUNTS[@]}" --set 'designs.main.secondary_outcomes=false' "${FAST[@]}"
r_gsd=$(rpact "three-look rates, $FIXED iterations" scripts/rpact_rates.R "$FIXED" 0.351 3)
row "three-look rates (asOF), count level" "$FIXED" 50 "$r_gsd" power $V/gsd_rates.toml
row "  the same, primary outcome only" "$FIXED" 50 "$r_gsd" power $V/gsd_rates.toml \
  --set 'designs.main.secondary_outcomes=false'
r_multi=$(rpact "multi-arm, $FAMILY iterations" scripts/rpact_multiarm_gsd.R "$FAMILY")
row "multi-arm Dunnett, 3 stages, best arm, count level" "$FAMILY" 50 "$r_multi" any \
  $V/multiarm_gsd.toml
r_enrich=$(rpact "enrichment, $FAMILY iterations" scripts/rpact_enrichment_gsd.R "$FAMILY")
row "enrichment, 2 stages, best population, count level" "$FAMILY" 50 "$r_enrich" any \
  $V/enrichment_gsd.toml
r_patient=$(rpact "fixed rates, $PATIENT iterations" scripts/rpact_rates.R "$PATIENT")
row "fixed two-arm rates, patient level" "$PATIENT" 10 "$r_patient" power $V/rates_two_arm.toml

"$PY" - "$tmp/rows.tsv" <<'EOF_PY'
import sys
print("design families against rpact 3.3.4, equal trials (sepsim: whole process, 2 threads, "
      "median of its runs; rpact: system.time of the call, one run):")
print(f"  {'design':<52} {'trials':>9} {'rpact s':>8} {'sepsim s':>9} {'ratio':>8}  aim   "
      f"power rpact / sepsim   sepsim runs s")
for line in open(sys.argv[1]):
    label, reps, r_s, r_p, s_s, s_p, aim, runs = line.rstrip("\n").split("\t")
    ratio = float(r_s) / float(s_s)
    verdict = "met" if ratio >= float(aim) else "NOT met"
    print(f"  {label:<52} {int(reps):>9,} {float(r_s):8.2f} {float(s_s):9.3f} {ratio:7.1f}x  "
          f">={aim}x {verdict:<7}  {float(r_p):.4f} / {float(s_p):.4f}   {runs}")
EOF_PY
