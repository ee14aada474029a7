#!/usr/bin/env bash
# End-to-end tests of the sepsim command line: exit codes, messages naming
# file, line and key, and no partial results files. Usage: cli_test.sh SEPSIM
set -uo pipefail
source "$(dirname "$0")/harness.sh"
py=/usr/bin/python3


no_file() {
  if ls "$1"* >/dev/null 2>&1; then fail "$2: left $(ls "$1"*)"; else pass; fi
}

default=$here/scenarios/immunosep.toml
line_of() { grep -n -- "$2" "$1" | head -1 | cut -d: -f1; }

# A malformed copy of the default scenario: mutate FILE SED-EXPRESSION.
mutate() { sed "$2" "$default" >"$1"; }

# 1. Malformed scenarios: exit 2, file:line and key named, nothing written.
mutate "$work/syntax.toml" 's/^sample_size = 276/sample_size = = 276/'
expect 2 "syntax.toml:$(line_of "$work/syntax.toml" 'sample_size = =').*not valid TOML" "syntax error" -- \
  "$sepsim" run "$work/syntax.toml" --reps 10 --out "$work/syntax.h5"
no_file "$work/syntax.h5" "syntax error"

mutate "$work/unknown.toml" 's/^sample_size = 276/sample_size = 276\nsampel_size = 3/'
expect 2 "unknown.toml:$(line_of "$work/unknown.toml" 'sampel_size'):[0-9]+: designs.immunosep.sampel_size.*unknown key" \
  "unknown key" -- "$sepsim" run "$work/unknown.toml" --reps 10 --out "$work/unknown.h5"
no_file "$work/unknown.h5" "unknown key"

mutate "$work/prevalence.toml" 's/mals = 0.065, immunoparalysis = 0.40/mals = 0.65, immunoparalysis = 0.40/'
expect 2 "prevalence.toml:$(line_of "$work/prevalence.toml" '^prevalence'):[0-9]+: population.prevalence.*sum above 1" \
  "prevalence above 1" -- "$sepsim" run "$work/prevalence.toml" --reps 10 --out "$work/prevalence.h5"
no_file "$work/prevalence.h5" "prevalence above 1"

mutate "$work/negative.toml" 's/^sample_size = 276/sample_size = -5/'
expect 2 "negative.toml:$(line_of "$work/negative.toml" 'sample_size = -5'):[0-9]+: designs.immunosep.sample_size = -5: must be a positive integer" \
  "negative sample size" -- "$sepsim" run "$work/negative.toml" --reps 10 --out "$work/negative.h5"
no_file "$work/negative.h5" "negative sample size"

mutate "$work/treatment.toml" 's/immunoparalysis = "ifn_gamma" }/immunoparalysis = "interferon" }/'
expect 2 "treatment.toml:$(line_of "$work/treatment.toml" '"interferon"'):[0-9]+: designs.immunosep.policy.precision = \"interferon\": unknown treatment" \
  "unknown treatment in a policy" -- "$sepsim" run "$work/treatment.toml" --reps 10 --out "$work/treatment.h5"
no_file "$work/treatment.h5" "unknown treatment"

# Several problems at once, all listed; check validates only.
mutate "$work/many.toml" 's/^sample_size = 276/sample_size = 0/; s/^alpha = 0.05/alpha = 2/'
expect 2 "2 problem" "all problems at once" -- "$sepsim" check "$work/many.toml"
expect 0 "OK" "check of the default" -- "$sepsim" check "$default"
expect 2 "--set designs.immunosep.sample_sise:1:[0-9]+: designs.immunosep.sample_sise: unknown key" "--set of a misspelt key" -- \
  "$sepsim" run --set designs.immunosep.sample_sise=10 --reps 10 --out "$work/set.h5"
no_file "$work/set.h5" "--set of a misspelt key"
expect 2 "" "unknown option" -- "$sepsim" run --bogus
# Labels rare enough to pass the reader (just over 1 in 1,000 screened) but not
# to fill a trial of 4 within 1,000 screened per place: the screening cap.
expect 2 "design immunosep: screened 4000 patients without enrolling 4; the eligible labels are too rare" \
  "screening cap" -- "$sepsim" run --set 'designs.immunosep.eligible_labels=["mals"]' \
  --set population.prevalence.mals=0.001 --set classifier.mals_ferritin_above_ng_per_ml=12000 \
  --set designs.immunosep.sample_size=4 --reps 50 --out "$work/cap.h5"
no_file "$work/cap.h5" "screening cap"
# --version: the version of project() in CMakeLists.txt and the commit built from.
version=$(sed -n 's/^project(sepsim VERSION \([0-9.]*\).*/\1/p' "$here/CMakeLists.txt")
[ -n "$version" ] && pass || fail "no project(sepsim VERSION ...) in CMakeLists.txt"
# Built outside git (an exported tree) the commit is "unknown" (scripts/git_commit.cmake).
commit='[0-9a-f]{7,40}(-dirty)?'
git -C "$here" rev-parse --git-dir >/dev/null 2>&1 || commit=unknown
expect 0 "^sepsim ${version//./\\.} \(commit $commit\)$" "--version" -- "$sepsim" --version

printf 'format_version = 1\nbase = "nowhere.toml"\n' >"$work/base.toml"
expect 2 "base.toml:2:[0-9]+: base = \"nowhere.toml\": no such file" "missing base scenario" -- \
  "$sepsim" check "$work/base.toml"
expect 0 "OK .*2 designs" "teaching scenario builds on its base" -- \
  "$sepsim" check "$here/scenarios/teaching/opal-vs-immunosep.toml"
expect 0 "NULL: every treatment = placebo" "--null is announced" -- \
  "$sepsim" run --null --reps 50 --out "$work/null.h5"

# Boundaries: table, JSON with the contract's keys, clear refusal of bad input.
expect 0 "3.710303" "boundaries table" -- "$sepsim" boundaries --looks 3 --alpha 0.025 --spending obf
"$sepsim" boundaries --looks 3 --spending obf --futility-z 0,0 --binding --json >"$work/bounds.json"
$py -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(k in d for k in ("information","efficacy_z","futility_z","alpha_spent","nominal_p")); assert abs(d["efficacy_z"][2]-1.968276)<1e-5' \
  "$work/bounds.json" && pass || fail "boundaries --json lacks the contract's keys or values"
expect 2 "unknown spending 'obrien'" "boundaries with an unknown spending" -- \
  "$sepsim" boundaries --looks 3 --spending obrien
expect 2 "--info gives 2 fractions for 3 looks" "boundaries with mismatched --info" -- \
  "$sepsim" boundaries --looks 3 --info 0.5,1

# Sweeps: a grid in one file; bad axes refused.
"$sepsim" sweep "$here/scenarios/validation/rates_two_arm.toml" --vary designs.main.sample_size=100,200 \
  --reps 200 --json --no-progress --out "$work/sweep.h5" >"$work/sweep.json"
$py -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [p["params"]["designs.main.sample_size"] for p in d["points"]] == [100, 200]' \
  "$work/sweep.json" && pass || fail "sweep --json lacks one entry per grid point"
# Points that differ in N share one pass over the patients: the same numbers
# as --separate-points (each point alone).
"$sepsim" sweep "$here/scenarios/validation/rates_two_arm.toml" --vary designs.main.sample_size=100,200 \
  --reps 200 --json --no-progress --separate-points --out "$work/sweep-separate.h5" >"$work/sweep-separate.json"
cmp -s "$work/sweep.json" "$work/sweep-separate.json" &&
  pass || fail "sweep --separate-points gave other numbers than the shared pass"
expect 2 "needs START <= STOP" "sweep with a bad range" -- \
  "$sepsim" sweep "$here/scenarios/validation/rates_two_arm.toml" --vary designs.main.sample_size=10:5:1 \
  --out "$work/badsweep.h5"
no_file "$work/badsweep.h5" "sweep with a bad range"
# A range too long for any integer (the fuzzer's): refused, not undefined behaviour.
expect 2 "more than 100,000 values" "sweep with a huge range" -- \
  "$sepsim" sweep "$here/scenarios/validation/rates_two_arm.toml" --vary designs.main.sample_size=0.2:6e116:20 \
  --reps 10 --no-progress --out "$work/huge.h5"

expect 0 "smallest sample size" "size on the rates design" -- \
  "$sepsim" size "$here/scenarios/validation/rates_two_arm.toml" --design main --target-power 0.8 \
  --set 'designs.main.simulation="counts"' --reps 500
expect 2 "no such table in the scenario: designs.nope" "size of a missing design" -- \
  "$sepsim" size "$here/scenarios/validation/rates_two_arm.toml" --design nope --reps 10

# 2. Input/output errors: exit 3, clear message, nothing written.
expect 3 "cannot read scenario file $work/missing.toml" "missing scenario" -- \
  "$sepsim" run "$work/missing.toml" --reps 10 --out "$work/missing.h5"
expect 3 "cannot write results to $work/no/such/folder/out.h5.*does not exist" "unwritable output" -- \
  "$sepsim" run --reps 10 --out "$work/no/such/folder/out.h5"
expect 3 "cannot write results to /dev/full/out.h5" "output under a non-folder" -- \
  "$sepsim" run --reps 10 --out /dev/full/out.h5
expect 3 "cannot write results to /dev/full: it exists and is not a regular file" "--out /dev/full" -- \
  "$sepsim" run --reps 10 --out /dev/full
# A full disk, simulated by a file-size limit (writes fail with EFBIG as they
# would with ENOSPC): exit 3, the reason, and nothing at the path.
expect 3 "cannot write results to $work/fsize.h5: File too large" "a full disk (ulimit -f)" -- \
  bash -c "ulimit -f 16 && exec \"$sepsim\" run --reps 100 --no-progress --out \"$work/fsize.h5\""
no_file "$work/fsize.h5" "a full disk"
expect 3 "File too large" "a full disk during a sweep" -- \
  bash -c "ulimit -f 16 && exec \"$sepsim\" sweep --vary designs.immunosep.sample_size=100,120 --reps 50 --no-progress --out \"$work/fsize-sweep.h5\""
no_file "$work/fsize-sweep.h5" "a full disk during a sweep"
# A baseline SOFA without spread (SD 0, as the fuzzer found): every patient
# has the mean, and the SOFA-dependent mortality is calibrated on that point.
expect 0 "" "baseline SOFA with SD 0" -- \
  "$sepsim" run --set population.covariates.baseline_sofa_sd=0 --reps 50 --no-progress --out "$work/sd0.h5"

# Threads under an address-space limit (ulimit -v): either they fit (the
# malloc arenas are capped) or the run is refused before any starts; never
# oneTBB's abort. The sanitizers reserve terabytes of shadow: not under them.
# (grep reads the whole list: `ldd | grep -q` under pipefail fails when grep
# leaves before ldd has written everything.)
if ! grep -Eq 'lib(a|t|ub)san' <<<"$(ldd "$sepsim")"; then
  expect 0 "" "64 threads under ulimit -v 1 GB" -- \
    bash -c "ulimit -v 1000000 && exec \"$sepsim\" run --reps 200 --threads 64 --no-progress --out \"$work/vm64.h5\""
  expect 2 "256 threads need about [0-9]+ MiB of address space and the limit \(ulimit -v\) is 977 MiB: use fewer --threads" \
    "256 threads under ulimit -v 1 GB" -- \
    bash -c "ulimit -v 1000000 && exec \"$sepsim\" run --reps 200 --threads 256 --no-progress --out \"$work/vm256.h5\""
  no_file "$work/vm256.h5" "threads refused under ulimit -v"
fi
expect 3 "cannot read $work/none.h5" "show of a missing file" -- "$sepsim" show "$work/none.h5"

echo "not hdf5" >"$work/text.h5"
expect 3 "cannot read $work/text.h5" "show of a non-HDF5 file" -- "$sepsim" show "$work/text.h5"

# 3. A run: table, JSON alone on stdout, a results file that shows back.
expect 0 "Power" "table run" -- "$sepsim" run --reps 200 --out "$work/table.h5"
[ -f "$work/table.h5" ] && pass || fail "table run wrote no file"
expect 0 "Power" "show" -- "$sepsim" show "$work/table.h5"
"$sepsim" run --reps 300 --threads 1 --json --out "$work/t1.h5" >"$work/t1.json" 2>/dev/null
"$sepsim" run --reps 300 --threads 2 --json --out "$work/t2.h5" >"$work/t2.json" 2>/dev/null
$py -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["points"][0]["designs"][0]["power"] > 0' \
  "$work/t1.json" && pass || fail "--json is not one JSON document"
cmp -s "$work/t1.json" "$work/t2.json" && pass || fail "--threads 1 and 2 JSON differ"
"$sepsim" show --json "$work/t1.h5" >"$work/shown.json"
cmp -s "$work/t1.json" "$work/shown.json" && pass || fail "show --json differs from run --json"

# show --scenario prints a file that runs again to the same numbers; --design
# runs a subset of the designs (kept in that file); drop_base_designs.
same_points() { $py -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:3]); assert a["points"]==b["points"]' "$1" "$2"; }
"$sepsim" show --scenario "$work/t1.h5" >"$work/again.toml"
"$sepsim" run "$work/again.toml" --reps 300 --json --out "$work/again.h5" >"$work/again.json" 2>/dev/null
same_points "$work/t1.json" "$work/again.json" && pass || fail "show --scenario does not rerun to the same numbers"
two=$here/scenarios/teaching/opal-vs-immunosep.toml
"$sepsim" run "$two" --design osfa_anakinra --reps 100 --json --out "$work/one.h5" >"$work/one.json" 2>/dev/null
$py -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [x["name"] for x in d["points"][0]["designs"]]==["osfa_anakinra"]' \
  "$work/one.json" && pass || fail "--design did not run only that design"
# A design run alone draws exactly as in the full scenario (its streams keep its place).
"$sepsim" run "$two" --reps 100 --json --out "$work/both.h5" >"$work/both.json" 2>/dev/null
$py -c 'import json,sys; one,both=(json.load(open(f)) for f in sys.argv[1:3]); d=[x for x in both["points"][0]["designs"] if x["name"]=="osfa_anakinra"]; assert d==one["points"][0]["designs"], "differs"' \
  "$work/one.json" "$work/both.json" && pass || fail "--design osfa_anakinra alone differs from it in the full run"
"$sepsim" show --scenario "$work/one.h5" >"$work/one.toml"
"$sepsim" run "$work/one.toml" --reps 100 --json --out "$work/one-again.h5" >"$work/one-again.json" 2>/dev/null
same_points "$work/one.json" "$work/one-again.json" && pass || fail "show --scenario of a --design run"
printf 'format_version = 1\nbase = "%s"\ndrop_base_designs = true\n[designs.only]\n' "$two" >"$work/drop.toml"
sed -n '/^\[designs.immunosep\]/,/^control/p' "$default" | grep -v '^\[designs.immunosep\]' |
  sed 's/^\[designs.immunosep\./[designs.only./' >>"$work/drop.toml"
expect 0 "Design only:" "drop_base_designs" -- "$sepsim" run "$work/drop.toml" --reps 50 --out "$work/drop.h5"
! grep -q "Design immunosep\|Design osfa" "$work/stdout" && pass || fail "drop_base_designs kept a base design"
# A power of exactly 0 shows its exact (Clopper-Pearson) 95% interval, not "± 0.0000".
expect 0 "Power \(reject for precision\) +0\.0000 \(95% CI 0\.0000-0\.0037\)" "power 0 with its exact interval" -- \
  "$sepsim" run --reps 1000 --set designs.immunosep.analysis.alpha=1e-12 --out "$work/zero.h5"

# Every dataset of the two files byte for byte (attributes include the time).
$py - "$work/t1.h5" "$work/t2.h5" <<'PY' && pass || fail "--threads 1 and 2 HDF5 datasets differ"
import sys, h5py
def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()].tobytes())
                     if isinstance(obj, h5py.Dataset) else None)
    return out
a, b = datasets(sys.argv[1]), datasets(sys.argv[2])
assert a.keys() == b.keys() and len(a) > 50, (len(a), len(b))
bad = [k for k in a if a[k] != b[k]]
assert not bad, bad
PY

# 3b. Results are never silently replaced, nor inputs overwritten.
cp "$work/table.h5" "$work/table.before"
expect 2 "a results file exists at $work/table.h5: it is kept; pass --overwrite to replace it, or choose another --out" \
  "a second run to the same --out" -- "$sepsim" run --reps 20 --no-progress --out "$work/table.h5"
cmp -s "$work/table.h5" "$work/table.before" && pass || fail "a refused run changed the results file"
expect 0 "" "--overwrite replaces it" -- "$sepsim" run --reps 20 --no-progress --overwrite --out "$work/table.h5"
cmp -s "$work/table.h5" "$work/table.before" && fail "--overwrite left the old file" || pass
cp "$default" "$work/scenario.toml"
expect 2 "--out $work/scenario.toml is $work/scenario.toml, a file this run reads" "--out = the scenario" -- \
  "$sepsim" run "$work/scenario.toml" --reps 20 --overwrite --out "$work/scenario.toml"
cmp -s "$default" "$work/scenario.toml" && pass || fail "--out = the scenario changed it"
printf 'format_version = 1\nbase = "scenario.toml"\nname = "layer"\n' >"$work/layer.toml"
ln -sf scenario.toml "$work/alias.h5"
expect 2 "a file this run reads" "--out = a base file (through a symlink)" -- \
  "$sepsim" run "$work/layer.toml" --reps 20 --overwrite --out "$work/alias.h5"
expect 2 "cohort: --out .* the scenario it reads" "cohort --out = the scenario" -- \
  "$sepsim" cohort "$work/scenario.toml" --out "$work/scenario.toml"
cmp -s "$default" "$work/scenario.toml" && pass || fail "cohort --out = the scenario changed it"
"$sepsim" cohort -n 3 --out "$work/cohort.csv" && cp "$work/cohort.csv" "$work/cohort-first.csv"
expect 2 "cohort: a file exists at $work/cohort.csv: it is kept; pass --overwrite" "cohort over an existing CSV" -- \
  "$sepsim" cohort -n 5 --out "$work/cohort.csv"
cmp -s "$work/cohort.csv" "$work/cohort-first.csv" && pass || fail "cohort without --overwrite changed the CSV"
expect 0 "" "cohort --overwrite" -- "$sepsim" cohort -n 5 --out "$work/cohort.csv" --overwrite
[ "$(wc -l <"$work/cohort.csv")" -eq 6 ] && pass || fail "cohort --overwrite did not replace the CSV"
expect 3 "cannot write /dev/full: it exists and is not a regular file" "cohort --out /dev/full" -- \
  "$sepsim" cohort -n 3 --out /dev/full --overwrite
expect 3 "cannot write $work/cohort-big.csv: File too large" "cohort on a full disk (ulimit -f)" -- \
  bash -c "ulimit -f 16 && exec \"$sepsim\" cohort -n 100000 --out \"$work/cohort-big.csv\""
no_file "$work/cohort-big.csv" "cohort on a full disk"
cp "$work/table.h5" "$work/swept.partial.h5"
expect 2 "a partial sweep exists at $work/swept.partial.h5: resume it with .sepsim sweep --resume $work/swept.partial.h5., or remove it" \
  "a sweep rerun over its partial file" -- "$sepsim" sweep --vary designs.immunosep.sample_size=100,120 --reps 20 \
  --no-progress --out "$work/swept.h5"
cmp -s "$work/table.h5" "$work/swept.partial.h5" && pass || fail "a refused sweep changed the partial file"

# 4. An interrupted run leaves no file under the requested name.
"$sepsim" run --reps 4000000 --out "$work/interrupted.h5" >/dev/null 2>"$work/int.err" &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" -eq 130 ] && pass || fail "interrupted run exit $code, expected 130"
no_file "$work/interrupted.h5" "interrupted run"

finish cli
