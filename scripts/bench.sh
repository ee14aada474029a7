#!/usr/bin/env bash
# sepsim benchmark: speed of the default scenario at 1 and 2 threads, the same
# patients against the bare cost of their random numbers (scripts/bench/rng_floor.cpp),
# the ordinal and composite analyses of scenarios/followup-endpoints.toml against
# its pooled z on the same 600 patients (each design alone, 1 thread), the
# two-arm rates design against rpact's getSimulationRates, a 100-point
# sweep of the default scenario against rpact at the same points, and a
# 2,000-patient event-driven mortality design against getSimulationSurvival.
#
# Usage: scripts/bench.sh              every section (needs R's rpact)
#        scripts/bench.sh --trials     only the peak memory of run --trials (section 8)
#        scripts/bench.sh --families   only the design families against rpact (section 9,
#                                      scripts/bench/families.sh; its own environment variables)
# Environment (optional): SEPSIM_BENCH_REPS   default-scenario replicates (40000)
#                         SEPSIM_BENCH_RATES  rates-design replicates / rpact iterations (100000)
#                         SEPSIM_BENCH_SWEEP  replicates a point of the 100-point sweep (10000)
#                         SEPSIM_BENCH_MEMORY replicates of the large peak-memory run (1000000)
#                         SEPSIM_BENCH_SURVIVAL mortality-design trials / rpact iterations (10000)
#                         SEPSIM_BENCH_ORDINAL replicates of each followup-endpoints design (20000)
#                         SEPSIM_BENCH_TRIALS replicates of the large --trials memory run (1000000)
# Aims: >= 25 M virtual patients/s per core; within 1.5x of the random-number floor;
# >= 50x rpact on the design families at count level and >= 10x on the fixed design
# at the patient level (section 9); >= 20x getSimulationSurvival (section 7); a
# 100-point sweep under 5 s; the ordinal analyses cost at most 3x the pooled z per
# trial on the same patients. The table reports whatever is measured.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=/usr/bin/python3
SEPSIM=build/sepsim
FLOOR=build/scripts/bench/sepsim_rng_floor
REPS=${SEPSIM_BENCH_REPS:-40000}
RATES_REPS=${SEPSIM_BENCH_RATES:-100000}
SWEEP_REPS=${SEPSIM_BENCH_SWEEP:-10000}
MEMORY_REPS=${SEPSIM_BENCH_MEMORY:-1000000}
ORDINAL_REPS=${SEPSIM_BENCH_ORDINAL:-20000}
RATES_SCENARIO=scenarios/validation/rates_two_arm.toml

# 8. Peak memory (max RSS, /usr/bin/time -v) of run --trials at 10,000 and
# SEPSIM_BENCH_TRIALS replicates of the count-level two-arm rates design, 2
# threads: the per-trial rows go to disk chunk by chunk, so nothing that grows
# with the replicates stays in memory (aim: the ratio within a small constant).
trials_memory() {
  local large=${SEPSIM_BENCH_TRIALS:-1000000} dir small_kib large_kib
  dir=$(mktemp -d)
  for reps in 10000 "$large"; do
    echo "run --trials, $reps replicates of the count-level rates design, 2 threads ..." >&2
    /usr/bin/time -v "$SEPSIM" run scenarios/validation/rates_two_arm.toml \
      --set 'designs.main.simulation="counts"' --reps "$reps" --threads 2 --trials \
      --no-progress --out "$dir/trials_$reps.h5" >/dev/null 2>"$dir/time_$reps.txt"
    sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time_$reps.txt" >"$dir/rss_$reps"
    sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time_$reps.txt" \
      >"$dir/wall_$reps"
  done
  small_kib=$(cat "$dir/rss_10000")
  large_kib=$(cat "$dir/rss_$large")
  /usr/bin/python3 -c "
import sys
s, l, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(f'peak memory of run --trials (count-level rates design, 2 threads): 10,000 replicates '
      f'{s / 1024:.1f} MiB ({sys.argv[5]}), {n:,} replicates {l / 1024:.1f} MiB ({sys.argv[6]}, '
      f'file {int(sys.argv[4]) / 2**20:.1f} MiB): ratio {l / s:.2f}')
" "$small_kib" "$large_kib" "$large" "$(stat -c %s "$dir/trials_$large.h5")" \
    "$(cat "$dir/wall_10000")" "$(cat "$dir/wall_$large")"
  rm -rf "$dir"
}
if [[ ${1:-} == --families ]]; then
  [[ -x $SEPSIM ]] || { cmake --preset release >&2 && cmake --build build -j2 >&2; }
  exec bash scripts/bench/families.sh
fi
if [[ ${1:-} == --trials ]]; then
  [[ -x $SEPSIM ]] || { cmake --preset release >&2 && cmake --build build -j2 >&2; }
  trials_memory
  exit 0
fi

if ! command -v Rscript >/dev/null 2>&1 ||
  ! Rscript -e 'suppressPackageStartupMessages(library(rpact))' >/dev/null 2>&1; then
  echo "bench.sh: R package rpact is not available (Rscript -e 'library(rpact)' failed)." >&2
  echo "Install it first, e.g.: sudo apt-get install r-cran-rpact" >&2
  exit 1
fi

if [[ ! -x $SEPSIM || ! -x $FLOOR ]]; then
  echo "Building (Release) ..." >&2
  cmake --preset release >&2 && cmake --build build -j2 >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# calc EXPR: arithmetic in Python (no bc needed).
calc() { "$PY" -c "print($1)"; }

# run_sepsim NAME THREADS REPS [SCENARIO]: runs sepsim (under the command in
# the array PIN, when set: taskset), leaves the JSON in $tmp/NAME.json and
# prints the wall-clock seconds.
PIN=()
run_sepsim() {
  local name=$1 threads=$2 reps=$3
  shift 3
  local start end
  start=$(date +%s.%N)
  "${PIN[@]}" "$SEPSIM" run "$@" --reps "$reps" --threads "$threads" --json --overwrite --out "$tmp/$name.h5" \
    --no-progress >"$tmp/$name.json"
  end=$(date +%s.%N)
  calc "$end - $start"
}

# summary FILE: "replicates screened enrolled power" from a JSON summary;
# screened and enrolled are per replicate, summed over designs and grid points
# (every design screens its own patients); power is the first design's.
summary() {
  "$PY" - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
designs = [g for p in d["points"] for g in p["designs"]]
screened = sum(g["screened"] for g in designs)
enrolled = sum(g["expected_n"] for g in designs)
print(d["replicates"], repr(screened), round(enrolled), repr(designs[0]["power"]))
EOF
}

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' build/CMakeCache.txt 2>/dev/null || true)
build_type=${build_type:-unknown}
cores=$(nproc)
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo unknown)
if [[ $build_type != Release ]]; then
  echo "bench.sh: warning: build/ is configured as '$build_type', not Release" >&2
fi

echo "Warming up ..." >&2
run_sepsim warmup 1 1000 >/dev/null

# 1. Default scenario, 1 and 2 threads.
echo "Default scenario, $REPS replicates, 1 thread ..." >&2
t1=$(run_sepsim default_t1 1 "$REPS")
echo "Default scenario, $REPS replicates, 2 threads ..." >&2
t2=$(run_sepsim default_t2 2 "$REPS")
read -r reps1 screened1 enrolled1 power1 < <(summary "$tmp/default_t1.json")
read -r reps2 screened2 _ power2 < <(summary "$tmp/default_t2.json")
patients1=$(calc "$reps1 * $screened1")
patients2=$(calc "$reps2 * $screened2")
rate1=$(calc "$patients1 / $t1")
rate2=$(calc "$patients2 / $t2")
speedup=$(calc "$rate2 / $rate1")
if [[ $power1 == "$power2" && $screened1 == "$screened2" ]]; then
  same="identical results at 1 and 2 threads"
else
  same="WARNING: results differ between 1 and 2 threads (power $power1 vs $power2)"
fi

# 2. The random-number floor for the same patients, three times, each run
# just after a 1-thread run of the default scenario on the same core (the
# machine's speed moves by a third within minutes, and its two cores are not
# always equal: one was 35% slower than the other for both programs in one
# run; a ratio compares the two at one moment on one core): pairs 1 and 3 on
# the first core, pair 2 on the last; the median of the three ratios, and the
# floor's median rate.
floor_rates=() floor_ratios=() floor_cores=()
for pair in 1 2 3; do
  core=$(((pair == 2) * (cores - 1)))
  floor_cores+=("$core")
  echo "Random-number floor ($pair of 3), $REPS replicates x $screened1 screened, $enrolled1 enrolled, after the default scenario at 1 thread, both on core $core ..." >&2
  t_pair=$(
    PIN=(taskset -c "$core")
    run_sepsim "default_pair$pair" 1 "$REPS"
  )
  floor_out=$(taskset -c "$core" "$FLOOR" "$REPS" "$screened1" "$enrolled1")
  floor_rates+=("$(sed -n 's/.*patients_per_second=\([^ ]*\).*/\1/p' <<<"$floor_out")")
  floor_ratios+=("$(calc "${floor_rates[-1]} / ($patients1 / $t_pair)")")
done
median() { "$PY" -c "import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))" "$@"; }
floor_rate=$(median "${floor_rates[@]}")
floor_ratio=$(median "${floor_ratios[@]}")
floor_ratio_runs=$(printf '%.2f/' "${floor_ratios[@]}")
floor_ratio_cores=$(printf '%s/' "${floor_cores[@]}")

# 2b. Several designs sharing one cohort: scenarios/followup-designs.toml runs
# 4 designs on the same patients; the cost per design against one design alone.
echo "Several designs on one cohort (followup-designs.toml), $REPS replicates, 2 threads ..." >&2
tm=$(run_sepsim multi 2 "$REPS" scenarios/followup-designs.toml)
designs_multi=$("$PY" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['points'][0]['designs']))" "$tmp/multi.json")
per_design=$(calc "$tm / $designs_multi")
per_design_ratio=$(calc "$per_design / $t2")

# 2c. Group-sequential boundaries: milliseconds to compute 5-look bounds.
ms_obf=$("$SEPSIM" boundaries --looks 5 --spending obf | sed -n 's/.* in \([0-9.]*\) ms.*/\1/p')
ms_beta=$("$SEPSIM" boundaries --looks 5 --spending hsd:-4 --futility-spending hsd:-2 |
  sed -n 's/.* in \([0-9.]*\) ms.*/\1/p')

# 2d. Ordinal analyses against the pooled z on the same patients: the designs
# of scenarios/followup-endpoints.toml share one cohort (600 patients, stream
# 200) and differ only in endpoint and analysis. Each runs alone (--design) at
# 1 thread and ORDINAL_REPS replicates; its cost per trial (CPU time of the
# whole process, user + system: at 1 thread the work itself, robust to other
# load on a shared machine) is compared with the pooled-z design `response`.
# Each design's run comes just after a run of `response` of its own, both on
# the first core, and its ratio is against that run (the machine's speed moves
# by a third within minutes: one such run of `response` took 1.54 s of CPU in
# one bench and 2.05 s in the next).
# Rows of $tmp/ordinal.tsv: design, wall-clock seconds, CPU seconds, JSON, the
# CPU seconds of its own run of `response`.
# cpu_sepsim NAME REPS ARGS...: runs sepsim at 1 thread like run_sepsim (under
# PIN), leaves the JSON in $tmp/NAME.json and prints "WALL CPU" seconds.
cpu_sepsim() {
  local name=$1 reps=$2
  shift 2
  "$PY" - "$tmp/$name.json" "${PIN[@]}" "$SEPSIM" run "$@" --reps "$reps" --threads 1 --json --overwrite \
    --out "$tmp/$name.h5" --no-progress <<'EOF_PY'
import resource, subprocess, sys, time
start = time.perf_counter()
with open(sys.argv[1], "w") as out:
    subprocess.run(sys.argv[2:], check=True, stdout=out)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_utime + usage.ru_stime)
EOF_PY
}
ORDINAL_SCENARIO=scenarios/followup-endpoints.toml
ORDINAL_DESIGNS=(response ordinal_status ordinal_status_adjusted support_free_days
  support_free_days_wilcoxon composite_win_ratio composite_door)
: >"$tmp/ordinal.tsv"
PIN=(taskset -c 0)
for design in "${ORDINAL_DESIGNS[@]}"; do
  base_cpu=
  if [[ $design != response ]]; then
    echo "Ordinal analyses: design response alone, $ORDINAL_REPS replicates, 1 thread, before $design ..." >&2
    read -r _ base_cpu < <(cpu_sepsim "ordinal_base_$design" "$ORDINAL_REPS" "$ORDINAL_SCENARIO" \
      --design response)
  fi
  echo "Ordinal analyses: design $design alone, $ORDINAL_REPS replicates, 1 thread ..." >&2
  read -r ord_wall ord_cpu < <(cpu_sepsim "ordinal_$design" "$ORDINAL_REPS" "$ORDINAL_SCENARIO" \
    --design "$design")
  printf '%s\t%s\t%s\t%s\t%s\n' "$design" "$ord_wall" "$ord_cpu" "$tmp/ordinal_$design.json" \
    "${base_cpu:-$ord_cpu}" >>"$tmp/ordinal.tsv"
done
PIN=()

# 3. Rates design: rpact vs sepsim at equal replicates.
echo "rpact getSimulationRates, $RATES_REPS iterations ..." >&2
rpact_out=$(Rscript scripts/rpact_rates.R "$RATES_REPS")
rpact_s=$(sed -n 's/.*seconds=\([^ ]*\).*/\1/p' <<<"$rpact_out")
rpact_power=$(sed -n 's/.*power=\([^ ]*\).*/\1/p' <<<"$rpact_out")
# Patient level (every virtual patient drawn) and count level (each arm's
# binomial counts drawn, as rpact does; designs.main.simulation = "counts").
echo "sepsim rates design, $RATES_REPS replicates, patient level, 1 thread ..." >&2
rp=$(run_sepsim rates_patients 1 "$RATES_REPS" "$RATES_SCENARIO")
COUNTS=(--set 'designs.main.simulation="counts"')
echo "sepsim rates design, $RATES_REPS replicates, count level, 1 and 2 threads ..." >&2
r1=$(run_sepsim rates_t1 1 "$RATES_REPS" "$RATES_SCENARIO" "${COUNTS[@]}")
r2=$(run_sepsim rates_t2 2 "$RATES_REPS" "$RATES_SCENARIO" "${COUNTS[@]}")
read -r _ _ _ rates_power_p < <(summary "$tmp/rates_patients.json")
read -r _ _ _ rates_power1 < <(summary "$tmp/rates_t1.json")
read -r _ _ _ rates_power2 < <(summary "$tmp/rates_t2.json")
vs_rpact_p=$(calc "$rpact_s / $rp")
vs_rpact1=$(calc "$rpact_s / $r1")
vs_rpact2=$(calc "$rpact_s / $r2")

# 4. A 100-point sweep of the default scenario (N x MALS prevalence) at
# SWEEP_REPS trials a point, 2 threads; then rpact's getSimulationRates at the
# same 100 points with the arms' simulated response rates (the nearest design
# rpact can express) and the same number of iterations.
echo "100-point sweep of the default scenario, $SWEEP_REPS replicates a point, 2 threads ..." >&2
start=$(date +%s.%N)
"$SEPSIM" sweep --vary designs.immunosep.sample_size=150:600:50 \
  --vary population.prevalence.mals=0.02:0.2:0.02 --reps "$SWEEP_REPS" --threads 2 --json \
  --no-progress --out "$tmp/sweep.h5" >"$tmp/sweep.json"
sweep_s=$(calc "$(date +%s.%N) - $start")
sweep_points=$("$PY" - "$tmp/sweep.json" "$tmp/sweep.csv" <<'EOF_PY'
import json, sys
d = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    out.write("n,pi1,pi2\n")
    for p in d["points"]:
        g = p["designs"][0]
        rate = {a["name"]: a["response_rate"] for a in g["arms"]}
        out.write(f"{g['sample_size']},{rate[g['treatment_arm']]!r},{rate[g['control_arm']]!r}\n")
print(len(d["points"]))
EOF_PY
)
# The same sweep with every point simulated on its own (--separate-points),
# as before points that differ only in N shared one pass over the patients.
echo "The same sweep, every point on its own, 2 threads ..." >&2
start=$(date +%s.%N)
"$SEPSIM" sweep --vary designs.immunosep.sample_size=150:600:50 \
  --vary population.prevalence.mals=0.02:0.2:0.02 --reps "$SWEEP_REPS" --threads 2 --json \
  --no-progress --separate-points --out "$tmp/sweep_separate.h5" >"$tmp/sweep_separate.json"
sweep_separate_s=$(calc "$(date +%s.%N) - $start")
cmp -s "$tmp/sweep.json" "$tmp/sweep_separate.json" && sweep_same=identical || sweep_same=DIFFERENT
# The same sweep at count level (labels and arms drawn as multinomial and
# binomial counts, as rpact draws arms; needs unstratified randomisation).
echo "The same sweep at count level, 2 threads ..." >&2
start=$(date +%s.%N)
"$SEPSIM" sweep --vary designs.immunosep.sample_size=150:600:50 \
  --vary population.prevalence.mals=0.02:0.2:0.02 --reps "$SWEEP_REPS" --threads 2 \
  --set 'designs.immunosep.simulation="counts"' --set 'designs.immunosep.randomisation.stratify_by="none"' \
  --no-progress --out "$tmp/sweep_counts.h5" >/dev/null
sweep_counts_s=$(calc "$(date +%s.%N) - $start")
echo "rpact getSimulationRates at the same $sweep_points points, $SWEEP_REPS iterations each ..." >&2
rpact_sweep_s=$(Rscript scripts/rpact_sweep.R "$tmp/sweep.csv" "$SWEEP_REPS" |
  sed -n 's/^seconds=\([^ ]*\).*/\1/p')
vs_rpact_sweep=$(calc "$rpact_sweep_s / $sweep_s")
vs_rpact_sweep_counts=$(calc "$rpact_sweep_s / $sweep_counts_s")

# 5. Peak memory (max RSS of the whole process) of 10,000 and 1,000,000
# replicates of the default scenario: it must not grow with the replicates.
peak_rss_kib() {
  "$PY" - "$@" <<'EOF_PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF_PY
}
echo "Peak memory: 10,000 and 1,000,000 replicates of the default scenario, 2 threads ..." >&2
rss_small=$(peak_rss_kib "$SEPSIM" run --reps 10000 --threads 2 --no-progress --out "$tmp/rss_small.h5")
rss_large=$(peak_rss_kib "$SEPSIM" run --reps "$MEMORY_REPS" --threads 2 --no-progress --out "$tmp/rss_large.h5")
rss_ratio=$(calc "$rss_large / $rss_small")

# 6. Distributed: the same 20-point sweep with 1 and 2 MPI processes (one
# thread each), from the MPI build (built here if Open MPI is installed).
# Every point on its own (--separate-points) in both, as in scripts/scaling.sh:
# the scaling of the same work per point across processes.
mpi_1=nan
mpi_2=nan
if command -v mpirun >/dev/null 2>&1; then
  # Always brought up to date: a stale MPI build would time old code.
  echo "Building the MPI preset (incremental) ..." >&2
  [[ -f build-mpi/CMakeCache.txt ]] || cmake --preset mpi >&2
  cmake --build --preset mpi -j2 >&2
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  for p in 1 2; do
    echo "MPI: 20-point sweep, $p process(es), 1 thread each ..." >&2
    start=$(date +%s.%N)
    mpirun --oversubscribe --bind-to none -n "$p" build-mpi/sepsim sweep \
      --vary designs.immunosep.sample_size=150:600:50 --vary population.prevalence.mals=0.05,0.15 \
      --reps "$SWEEP_REPS" --threads 1 --json --no-progress --separate-points \
      --out "$tmp/mpi_$p.h5" >"$tmp/mpi_$p.json"
    printf -v "mpi_$p" '%s' "$(calc "$(date +%s.%N) - $start")"
  done
  cmp -s "$tmp/mpi_1.json" "$tmp/mpi_2.json" || mpi_1=nan
fi

# met ACTUAL OP AIM: "met" or "NOT met".
met() { "$PY" -c "print('met' if $1 $2 $3 else 'NOT met')"; }

FLOOR_RATIO_RUNS=$floor_ratio_runs FLOOR_RATIO_CORES=$floor_ratio_cores "$PY" - "$cores" "$build_type" "$(date '+%Y-%m-%d %H:%M %Z')" "$REPS" "$t1" "$t2" "$rate1" \
  "$rate2" "$speedup" "$same" "$floor_rate" "$floor_ratio" "$RATES_REPS" "$rpact_s" \
  "$rpact_power" "$r1" "$rates_power1" "$r2" "$rates_power2" "$vs_rpact1" "$vs_rpact2" \
  "$(met "$rate1" '>=' 2.5e7)" "$(met "$floor_ratio" '<=' 1.5)" "$(met "$vs_rpact1" '>=' 50)" \
  "$screened1" "$load_start" "$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo unknown)" \
  "$rp" "$rates_power_p" "$vs_rpact_p" "$tm" "$designs_multi" "$per_design" "$per_design_ratio" \
  "$ms_obf" "$ms_beta" "$sweep_points" "$SWEEP_REPS" "$sweep_s" "$rpact_sweep_s" \
  "$vs_rpact_sweep" "$sweep_counts_s" "$vs_rpact_sweep_counts" "$rss_small" "$rss_large" \
  "$rss_ratio" "$MEMORY_REPS" "$mpi_1" "$mpi_2" "$ORDINAL_REPS" "$tmp/ordinal.tsv" \
  "$sweep_separate_s" "$sweep_same" <<'EOF'
import json, os, sys
(cores, build, date, reps, t1, t2, rate1, rate2, speedup, same, floor_rate, floor_ratio,
 rates_reps, rpact_s, rpact_power, r1, p1, r2, p2, vs1, vs2, aim1, aim2, aim3,
 screened, load_start, load_end, rp, pp, vsp, tm, nd, per_design, per_ratio, ms_obf,
 ms_beta, sweep_points, sweep_reps, sweep_s, rpact_sweep_s, vs_sweep, sweep_counts_s,
 vs_sweep_counts, rss_small, rss_large, rss_ratio, memory_reps, mpi_1, mpi_2, ordinal_reps,
 ordinal_tsv, sweep_separate_s, sweep_same) = sys.argv[1:]
f = float
# Ordinal analyses (section 2d): (design, test, power, wall s, CPU s, CPU us per
# trial, x pooled z); the per-trial cost and the ratio are CPU time, each
# ratio against the run of the pooled-z design `response` just before it.
ordinal = []
for line in open(ordinal_tsv):
    name, wall, cpu, path, base_cpu = line.rstrip("\n").split("\t")
    g = json.load(open(path))["points"][0]["designs"][0]
    ordinal.append((name, g["test"], g["power"], f(wall), f(cpu), f(cpu) / int(ordinal_reps) * 1e6,
                    f(cpu) / f(base_cpu)))
ordinal_worst = max(ordinal[1:], key=lambda row: row[6])
print()
print(f"sepsim benchmark ({cores} cores; {build} build; {date}; "
      f"1-min load average {load_start} before, {load_end} after)")
print(f"default scenario, {int(reps)} replicates ({f(screened):.1f} patients screened each):")
print(f"  1 thread  {f(rate1)/1e6:5.2f} M patients/s ({f(t1):.2f} s)   "
      f"2 threads  {f(rate2)/1e6:5.2f} M patients/s ({f(t2):.2f} s)   "
      f"speed-up {f(speedup):.2f}  [{same}]")
print(f"random-number floor (same draws):  {f(floor_rate)/1e6:5.2f} M patients/s at 1 thread; "
      f"sepsim takes {f(floor_ratio):.2f} x the floor (median of three runs of each, "
      f"paired, each pair on one core (cores {os.environ['FLOOR_RATIO_CORES'].rstrip('/')}): "
      f"{os.environ['FLOOR_RATIO_RUNS'].rstrip('/')})")
print(f"rates design, {int(rates_reps)} replicates:")
print(f"  rpact getSimulationRates         {f(rpact_s):6.2f} s (power {f(rpact_power):.4f})")
print(f"  sepsim patient level, 1 thread   {f(rp):6.2f} s (power {f(pp):.4f})  -> rpact/sepsim = {f(vsp):.2f} x")
print(f"  sepsim count level, 1 thread     {f(r1):6.2f} s (power {f(p1):.4f})  -> rpact/sepsim = {f(vs1):.2f} x")
print(f"  sepsim count level, 2 threads    {f(r2):6.2f} s (power {f(p2):.4f})  -> rpact/sepsim = {f(vs2):.2f} x")
print(f"several designs on one cohort ({nd} designs of followup-designs.toml, 2 threads): {f(tm):.2f} s, "
      f"{f(per_design):.2f} s per design = {f(per_ratio):.2f} x the default design alone")
print(f"ordinal analyses vs the pooled z on the same 600 patients (followup-endpoints.toml, "
      f"each design alone), {int(ordinal_reps)} trials, 1 thread on the first core, each against a run "
      f"of the pooled z just before it (CPU time; wall clock in brackets):")
for name, test, power, wall, cpu, us, ratio in ordinal:
    verdict = "(baseline)" if name == ordinal[0][0] else \
        f"aim <= 3 x: {'met' if ratio <= 3 else 'NOT met'}"
    print(f"  {name:<27} {test:<27} {cpu:6.2f} s ({wall:6.2f} s)  {us:7.1f} us/trial  "
          f"{ratio:5.2f} x pooled z  (power {power:.4f})  {verdict}")
print(f"5-look boundaries: Lan-DeMets OBF {f(ms_obf):.1f} ms; HSD(-4) with beta-spending futility "
      f"(drift search) {f(ms_beta):.1f} ms")
print(f"{sweep_points}-point sweep of the default scenario (N 150-600 x MALS prevalence 0.02-0.20), "
      f"{int(sweep_reps)} trials a point, 2 threads:")
print(f"  sepsim patient level (every patient, biomarkers, misclassification)  {f(sweep_s):6.1f} s")
print(f"  the same, every point on its own (--separate-points)                  {f(sweep_separate_s):6.1f} s "
      f"({f(sweep_separate_s) / f(sweep_s):.1f} x; JSON {sweep_same})")
print(f"  sepsim count level (labels and arms as counts, unstratified blocks)  {f(sweep_counts_s):6.1f} s")
print(f"  rpact getSimulationRates at the same points (two-arm rates at the simulated response rates, "
      f"{int(sweep_reps)} iterations each)  {f(rpact_sweep_s):6.1f} s  -> rpact/sepsim = "
      f"{f(vs_sweep):.2f} x (patient level), {f(vs_sweep_counts):.2f} x (count level)")
print(f"peak memory (max RSS), default scenario, 2 threads: 10,000 replicates {f(rss_small)/1024:.1f} MiB, "
      f"{int(memory_reps):,} replicates {f(rss_large)/1024:.1f} MiB ({f(rss_ratio):.2f} x)")
if mpi_1 != "nan":
    print(f"MPI, 20-point sweep of the default scenario, 1 thread a process: 1 process {f(mpi_1):.1f} s, "
          f"2 processes {f(mpi_2):.1f} s: speed-up {f(mpi_1) / f(mpi_2):.2f} (identical JSON)")
else:
    print("MPI: not measured (Open MPI missing, or 1 and 2 processes disagreed)")
print("aims:")
print(f"  >= 25 M virtual patients/s per core:  {f(rate1)/1e6:.2f} M  {aim1}")
print(f"  within 1.5x of the random-number floor: {f(floor_ratio):.2f} x  {aim2}")
print(f"  >= 50x rpact per design family (2 threads, equal trials, 1,000,000 for the rates designs): "
      f"judged in the design families table below (the rates design above, 100,000 trials at 1 "
      f"thread, {f(vs1):.2f} x, is a 0.1 s run of which start-up and output are a tenth)")
print(f"  100-point sweep under 5 s (patient level, 2 threads):  {f(sweep_s):.1f} s  "
      f"{'met' if f(sweep_s) < 5 else 'NOT met'}")
print(f"  ordinal analyses <= 3x the pooled z per trial (same patients):  worst {ordinal_worst[6]:.2f} x "
      f"({ordinal_worst[0]})  {'met' if ordinal_worst[6] <= 3 else 'NOT met'}")
print("(sepsim times: wall clock of the whole process, HDF5 output included, except the ordinal "
      "analyses' CPU time; rpact time: the getSimulationRates call only, R start-up excluded)")
EOF

# 7. Mortality: a 2,000-patient event-driven log-rank design (looks at 250,
# 500 and 750 deaths, O'Brien-Fleming spending, 600 patients a month, 28-day
# follow-up; scenarios/validation/survival_events.toml) against rpact's
# getSimulationSurvival on the same design, SURVIVAL_REPS trials each. Both
# whole processes: sepsim at 2 threads; rpact single-threaded, its time the
# whole Rscript run (start-up included) and, separately, the call alone.
SURVIVAL_REPS=${SEPSIM_BENCH_SURVIVAL:-10000}
echo "Event-driven mortality design, 2,000 patients, $SURVIVAL_REPS trials: sepsim, then rpact ..." >&2
start=$(date +%s.%N)
"$SEPSIM" run scenarios/validation/survival_events.toml --reps "$SURVIVAL_REPS" --seed 3 \
  --threads 2 --set designs.main.sample_size=2000 --set 'designs.main.looks.events=[250, 500, 750]' \
  --json --no-progress --overwrite --out "$tmp/survival.h5" >"$tmp/survival.json"
survival_s=$(calc "$(date +%s.%N) - $start")
echo "  the same at count level (each patient's arm, entry and day of death only) ..." >&2
start=$(date +%s.%N)
"$SEPSIM" run scenarios/validation/survival_events.toml --reps "$SURVIVAL_REPS" --seed 3 \
  --threads 2 --set designs.main.sample_size=2000 --set 'designs.main.looks.events=[250, 500, 750]' \
  --set 'designs.main.simulation="counts"' \
  --json --no-progress --overwrite --out "$tmp/survival_counts.h5" >"$tmp/survival_counts.json"
survival_counts_s=$(calc "$(date +%s.%N) - $start")
start=$(date +%s.%N)
rpact_survival=$(Rscript scripts/rpact_survival.R "$SURVIVAL_REPS" 2000 0.43 0.497 250,500,750 \
  600 0.025 3 28)
rpact_survival_s=$(calc "$(date +%s.%N) - $start")
"$PY" - "$tmp/survival.json" "$survival_s" "$rpact_survival_s" "$rpact_survival" \
  "$SURVIVAL_REPS" "$tmp/survival_counts.json" "$survival_counts_s" <<'EOF_PY'
import json, re, sys
d = json.load(open(sys.argv[1]))["points"][0]["designs"][0]
c = json.load(open(sys.argv[6]))["points"][0]["designs"][0]
s, r_whole, s_counts = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[7])
fields = dict(re.findall(r"(\w+)=([0-9.eE+-]+)", sys.argv[4]))
r_call = float(fields["seconds"])
print(f"event-driven mortality design (2,000 patients, looks at 250/500/750 deaths), {sys.argv[5]} trials:")
print(f"  sepsim, 2 threads (whole process)      {s:6.2f} s (power {d['power']:.4f}, "
      f"E[deaths] {d['expected_events']:.1f})")
print(f"  rpact getSimulationSurvival (process)  {r_whole:6.2f} s (power {float(fields['power']):.4f}, "
      f"E[deaths] {float(fields['expected_events']):.1f}); the call alone {r_call:.2f} s")
print(f"  sepsim count level, 2 threads          {s_counts:6.2f} s (power {c['power']:.4f}, "
      f"E[deaths] {c['expected_events']:.1f})")
ratio, ratio_counts = r_whole / s, r_whole / s_counts
print(f"  -> rpact/sepsim = {ratio:.2f} x patient level, {ratio_counts:.2f} x count level "
      f"(whole processes); aim >= 20 x: {'met' if max(ratio, ratio_counts) >= 20 else 'NOT met'}")
EOF_PY

trials_memory

# 9. The design families against rpact at equal trials (fixed, three-look,
# multi-arm and enrichment designs at count level; the fixed design at the
# patient level): scripts/bench/families.sh.
bash scripts/bench/families.sh
