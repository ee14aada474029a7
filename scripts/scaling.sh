#!/usr/bin/env bash
# Scaling of distributed runs on this machine: the same sweep with 1, 2, 3 and
# 4 MPI processes (one thread each; more processes than cores oversubscribe),
# checks that every run gives the same bytes, draws time against processes
# (results/scaling.png), and projects the cost of the follow-up trial's full
# sensitivity analysis (scripts/slurm-sweep.sh: 468 grid points x 4 designs x
# 100,000 trials) from the measured cost of one trial.
# Usage: scripts/scaling.sh [REPS_PER_POINT]   (default 4000)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-4000}
root=$PWD
scripts/setup.sh mpi mpi >/dev/null
export SOURCE_DATE_EPOCH=1700000000 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --separate-points: every point on its own at every process count, the same
# work per point as the figures in the README were measured with.
grid=(--vary designs.immunosep.sample_size=150:600:50 --vary population.prevalence.mals=0.03,0.065,0.10,0.15)
points=40
times=()
for p in 1 2 3 4; do
  mkdir -p "$tmp/$p"
  start=$(date +%s.%N)
  (cd "$tmp/$p" && mpirun --oversubscribe --bind-to none -n "$p" "$root/build-mpi/sepsim" sweep \
    "$root/scenarios/followup-designs.toml" "${grid[@]}" --reps "$reps" --threads 1 --no-progress --separate-points \
    --out r.h5 >/dev/null)
  times+=("$(/usr/bin/python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")")
  if [ "$p" -gt 1 ] && ! cmp -s "$tmp/1/r.h5" "$tmp/$p/r.h5"; then
    echo "scaling.sh: $p processes gave a different file from 1 process" >&2
    exit 1
  fi
done
mkdir -p results
/usr/bin/python3 - "$(nproc)" "$reps" "$points" "${times[@]}" <<'EOF_PY'
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
cores, reps, points = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
times = [float(t) for t in sys.argv[4:]]
procs = list(range(1, len(times) + 1))
print(f"sweep of followup-designs.toml (4 designs), {points} points x {reps} trials, 1 thread a process, {cores} cores:")
for p, t in zip(procs, times):
    print(f"  {p} process{'es' if p > 1 else '  '}  {t:7.1f} s   speed-up {times[0] / t:4.2f}   (same bytes as 1 process)")
# Cost of one trial of all 4 designs on one core, from the 1-process run.
per_trial = times[0] / (points * reps)
full_trials = 468 * 100_000
core_hours = per_trial * full_trials / 3600
print(f"one trial of the 4 designs: {per_trial * 1e3:.3f} core-ms (N 150-600)")
print(f"full sensitivity analysis (scripts/slurm-sweep.sh: 468 points x 100,000 trials, N 200-800):")
print(f"  about {core_hours:.0f} core-hours at these N (more at larger N): {core_hours / cores:.1f} h on this {cores}-core machine,")
for nodes in (4, 16):
    print(f"  {core_hours * 60 / (nodes * 32):.0f} min on {nodes} nodes x 32 cores (if it scales as measured here)")
fig, ax = plt.subplots(figsize=(5.6, 3.8))
ax.plot(procs, times, marker="o", label="measured")
ax.plot(procs, [times[0] / min(p, cores) for p in procs], linestyle="--", color="grey",
        label=f"ideal on {cores} cores")
ax.set_xlabel("MPI processes (1 thread each)")
ax.set_ylabel("Wall-clock time (s)")
ax.set_xticks(procs)
ax.set_ylim(0, max(times) * 1.1)
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
ax.set_title(f"{points}-point sweep, 4 designs, {reps:,} trials a point\n"
             f"identical results for every process count; {cores}-core machine", fontsize=9)
fig.tight_layout()
fig.savefig("results/scaling.png", dpi=120)
print("figure: results/scaling.png")
EOF_PY
