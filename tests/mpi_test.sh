#!/usr/bin/env bash
# Distributed runs: `mpirun -n 2` of a sweep and of a run gives the same JSON
# and the same HDF5 file, byte for byte, as one process; a rank that dies
# fails the job without a results file, and --resume completes the sweep.
# Usage: mpi_test.sh SEPSIM (a build with SEPSIM_MPI=ON)
set -uo pipefail
source "$(dirname "$0")/harness.sh"
export SOURCE_DATE_EPOCH=1700000000
# CI runs as root; Open MPI refuses root unless told, and the machine may have
# fewer cores than ranks.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --bind-to none)

grid=(--vary designs.immunosep.sample_size=100:300:50 --vary population.prevalence.mals=0.05,0.1)
mkdir -p "$work/one" "$work/two" "$work/three"
(cd "$work/one" && "$sepsim" sweep "${grid[@]}" --reps 3000 --threads 2 --json --no-progress \
  --out r.h5 >r.json && "$sepsim" run --reps 5000 --json --no-progress --out run.h5 >run.json) ||
  fail "one process"
(cd "$work/two" && "${mpi[@]}" -n 2 "$sepsim" sweep "${grid[@]}" --reps 3000 --threads 1 --json \
  --no-progress --out r.h5 >r.json && "${mpi[@]}" -n 2 "$sepsim" run --reps 5000 --json \
  --no-progress --out run.h5 >run.json) || fail "mpirun -n 2"
(cd "$work/three" && "${mpi[@]}" -n 3 "$sepsim" sweep "${grid[@]}" --reps 3000 --threads 2 \
  --json --no-progress --out r.h5 >r.json) || fail "mpirun -n 3"
for f in r.json r.h5 run.json run.h5; do
  cmp -s "$work/one/$f" "$work/two/$f" && pass || fail "$f differs between 1 and 2 processes"
done
for f in r.json r.h5; do
  cmp -s "$work/one/$f" "$work/three/$f" && pass || fail "$f differs between 1 and 3 processes"
done
/usr/bin/python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["points"]) == 10' \
  "$work/two/r.json" && pass || fail "the distributed sweep lacks points"
# The points that differ only in N share one pass over the patients on every
# rank; each point on its own (--separate-points) gives the same numbers.
(cd "$work/three" && "${mpi[@]}" -n 2 "$sepsim" sweep "${grid[@]}" --reps 3000 --threads 1 --json \
  --no-progress --separate-points --out s.h5 >s.json) || fail "mpirun -n 2 --separate-points"
cmp -s "$work/one/r.json" "$work/three/s.json" && pass ||
  fail "a distributed sweep of points run alone differs from one sharing patients"

# Commands that are not distributed run on rank 0 alone, with the same output.
size=(size "$here/scenarios/validation/rates_two_arm.toml" --design main --reps 400 --min 200 --max 320
  --set 'designs.main.simulation="counts"' --json)
"$sepsim" "${size[@]}" >"$work/size1.json" 2>/dev/null
"${mpi[@]}" -n 2 "$sepsim" "${size[@]}" >"$work/size2.json" 2>/dev/null
cmp -s "$work/size1.json" "$work/size2.json" && pass || fail "sepsim size under mpirun -n 2 differs"

# Per-trial tables (--trials): rank 0 folds every chunk and writes the rows,
# so the file is the same bytes with 1 and 2 processes, a sweep's too.
trials=(--reps 2500 --trials --json --no-progress)
"$sepsim" run "${trials[@]}" --threads 2 --out "$work/one/trials.h5" >/dev/null &&
  "${mpi[@]}" -n 2 "$sepsim" run "${trials[@]}" --threads 1 --out "$work/two/trials.h5" \
    >/dev/null || fail "run --trials under mpirun"
cmp -s "$work/one/trials.h5" "$work/two/trials.h5" && pass ||
  fail "run --trials: the file differs between 1 and 2 processes"
# (each in its own folder: a sweep records its --out as given)
(cd "$work/one" && "$sepsim" sweep "${grid[@]}" "${trials[@]}" --out strials.h5 >/dev/null) &&
  (cd "$work/two" && "${mpi[@]}" -n 2 "$sepsim" sweep "${grid[@]}" "${trials[@]}" --threads 1 \
    --out strials.h5 >/dev/null) || fail "sweep --trials under mpirun"
cmp -s "$work/one/strials.h5" "$work/two/strials.h5" && pass ||
  fail "sweep --trials: the file differs between 1 and 2 processes"

# A rank that dies: the job fails, no results file; the partial file resumes.
# Every point on its own (--separate-points), as in interrupt_test.sh: the
# partial file is written when points complete, at most every two seconds,
# and a sweep sharing patients completes its points in two groups (one a
# prevalence) that can both end before the first two seconds are up on a
# fast minute, leaving no partial file to wait for before the kill.

mkdir -p "$work/dies" && cd "$work/dies"
"${mpi[@]}" -n 2 "$sepsim" sweep "${grid[@]}" --reps 60000 --threads 1 --no-progress \
  --separate-points --out r.h5 >/dev/null 2>err &
job=$!
victim=""
for _ in $(seq 300); do
  sleep 0.1
  for pid in $(pgrep -f "$sepsim sweep" || true); do
    grep -qz "^OMPI_COMM_WORLD_RANK=1$" "/proc/$pid/environ" 2>/dev/null && victim=$pid
  done
  [ -n "$victim" ] && [ -e r.partial.h5 ] && break
done
if [ -z "$victim" ]; then
  fail "found no rank 1 to kill"
else
  kill -KILL "$victim"
  wait "$job"
  code=$?
  [ "$code" -ne 0 ] && pass || fail "the job succeeded although rank 1 was killed"
  [ ! -e r.h5 ] && pass || fail "a failed job left r.h5"
  if [ -e r.partial.h5 ]; then
    "${mpi[@]}" -n 2 "$sepsim" sweep --resume r.partial.h5 --threads 1 --no-progress >/dev/null 2>&1 &&
      pass || fail "resume after a dead rank"
    [ -e r.h5 ] && pass || fail "the resumed job wrote no r.h5"
  else
    fail "no partial file to resume (the job died before its first checkpoint)"
  fi
fi

finish mpi
