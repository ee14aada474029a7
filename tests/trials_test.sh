#!/usr/bin/env bash
# Per-trial results (run --trials, sepsim trials): the table averaged gives the
# summary's power and per-look stopping exactly; the same bytes at 1 and 2
# threads; one CSV row per design, grid point and replicate; the error paths
# (exit 2 and 3, nothing left behind). Usage: trials_test.sh SEPSIM
set -uo pipefail
source "$(dirname "$0")/harness.sh"
py=/usr/bin/python3
export SOURCE_DATE_EPOCH=0
reps=300


# agree JSON CSV REPS: every design's power, reject_per_look and
# futility_per_look equal the CSV's counts / REPS exactly (per grid point).
agree() {
  "$py" - "$1" "$2" "$3" <<'PY'
import csv, json, sys
summary, rows, reps = json.load(open(sys.argv[1])), list(csv.DictReader(open(sys.argv[2]))), int(sys.argv[3])
bad = 0
for g, point in enumerate(summary["points"]):
    designs = point["designs"]
    for name, d in (designs.items() if isinstance(designs, dict) else ((d["name"], d) for d in designs)):
        mine = [r for r in rows if r["design"] == name and int(r["grid_point"]) == g]
        if len(mine) != reps:
            print(f"{name} point {g}: {len(mine)} rows, expected {reps}"); bad += 1; continue
        if [int(r["replicate"]) for r in mine] != list(range(reps)):
            print(f"{name} point {g}: replicates out of order"); bad += 1
        power = sum(r["rejected"] == "1" for r in mine) / reps
        if power != d["power"]:
            print(f"{name} point {g}: rejected rows give {power}, the summary {d['power']}"); bad += 1
        for k, (rej, fut) in enumerate(zip(d["reject_per_look"], d["futility_per_look"])):
            at = [r for r in mine if int(r["stop_look"]) == k]
            r_k = sum(r["rejected"] == "1" for r in at) / reps
            f_k = sum(r["futility_stop"] == "1" for r in at) / reps
            if r_k != rej or f_k != fut:
                print(f"{name} point {g} look {k}: rows give {r_k}/{f_k}, summary {rej}/{fut}"); bad += 1
sys.exit(1 if bad else 0)
PY
}

# 1. A fixed design and a group-sequential one (followup-gsd has both), at 1 and 2 threads.
gsd=$here/scenarios/followup-gsd.toml
for t in 1 2; do
  "$sepsim" run "$gsd" --reps $reps --threads $t --trials --no-progress --json \
    --out "$work/gsd$t.h5" >"$work/gsd$t.json" || fail "run --trials --threads $t"
  "$sepsim" trials "$work/gsd$t.h5" >"$work/gsd$t.csv" || fail "trials at $t threads"
done
agree "$work/gsd1.json" "$work/gsd1.csv" $reps && pass || fail "followup-gsd: rows and summary differ"
cmp -s "$work/gsd1.csv" "$work/gsd2.csv" && pass || fail "CSV differs between 1 and 2 threads"
cmp -s "$work/gsd1.h5" "$work/gsd2.h5" && pass || fail "results file differs between 1 and 2 threads"
designs=$("$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["points"][0]["designs"]))' "$work/gsd1.json")
rows=$(($(wc -l <"$work/gsd1.csv") - 1))
[ "$rows" -eq $((reps * designs)) ] && pass || fail "trials: $rows CSV rows, expected $reps x $designs"
# Looks beyond the first are used (the test has teeth), and --design selects one table.
"$sepsim" trials "$work/gsd1.h5" --design followup_gsd >"$work/one.csv" || fail "trials --design"
[ $(($(wc -l <"$work/one.csv") - 1)) -eq $reps ] && pass || fail "trials --design: wrong row count"
grep -qx 2 <<<"$(cut -d, -f10 "$work/one.csv" | sort -u)" && pass || fail "no trial reached look 2"
# Without --trials the summary is the same (the tables only add).
"$sepsim" run "$gsd" --reps $reps --no-progress --json --out "$work/plain.h5" >"$work/plain.json"
cmp -s "$work/plain.json" "$work/gsd1.json" && pass || fail "--trials changed the JSON summary"
"$sepsim" show "$work/gsd1.h5" --json | cmp -s - "$work/gsd1.json" && pass || fail "show of a --trials file"
if "$py" -c 'import h5py' 2>/dev/null; then
  "$py" - "$work/gsd1.h5" $reps <<'PY' && pass || fail "h5py reading of /trials"
import h5py, sys
f = h5py.File(sys.argv[1], "r")
t = f["trials/followup_gsd"]
assert t["rejected"].shape == (int(sys.argv[2]),), t["rejected"].shape
assert t["rejected"].compression == "gzip" and t["rejected"].chunks is not None
assert t["rejected"][()].mean() == f["designs/followup_gsd/power"][0]
assert (t["arms/precision/patients"][()] + t["arms/placebo/patients"][()] <= t["enrolled"][()]).all()
PY
fi

# 2. A sweep: one block of rows per grid point.
"$sepsim" sweep --vary designs.immunosep.sample_size=100,200 --reps 200 --trials --no-progress \
  --json --out "$work/sweep.h5" >"$work/sweep.json" || fail "sweep --trials"
"$sepsim" trials "$work/sweep.h5" >"$work/sweep.csv" || fail "trials of a sweep"
agree "$work/sweep.json" "$work/sweep.csv" 200 && pass || fail "sweep: rows and summary differ"
"$sepsim" trials "$work/sweep.h5" --grid-point 1 >"$work/p1.csv"
[ $(($(wc -l <"$work/p1.csv") - 1)) -eq 200 ] && pass || fail "trials --grid-point 1: wrong row count"
[ -e "$work/sweep.partial.h5" ] && fail "sweep --trials left a partial file" || pass

# 3. Errors.
expect 2 "has no per-trial table: run the scenario with --trials" "a file without tables" -- \
  "$sepsim" trials "$work/plain.h5"
expect 2 "no such design.*followup_gsd" "trials --design unknown" -- \
  "$sepsim" trials "$work/gsd1.h5" --design nope
expect 2 "has 1 grid point" "trials --grid-point out of range" -- \
  "$sepsim" trials "$work/gsd1.h5" --grid-point 1
expect 3 "no such file" "trials of a missing file" -- "$sepsim" trials "$work/missing.h5"
expect 2 "--trials cannot be given" "sweep --resume --trials" -- \
  "$sepsim" sweep --resume "$work/x.partial.h5" --trials
expect 3 "cannot write results to $work/full.h5: File too large" "--trials on a full disk" -- \
  bash -c "ulimit -f 64 && exec \"$sepsim\" run --reps 5000 --trials --no-progress --out \"$work/full.h5\""
if ls "$work"/full.h5* >/dev/null 2>&1; then fail "a full disk left $(ls "$work"/full.h5*)"; else pass; fi

finish trials
