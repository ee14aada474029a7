#!/usr/bin/env bash
# Interrupted and killed runs: never a file at the requested path unless it is
# complete; an interrupted sweep resumes to the same bytes as an uninterrupted
# one. Usage: interrupt_test.sh SEPSIM
set -uo pipefail
source "$(dirname "$0")/harness.sh"
# Results files carry their time of writing; pin it so identical runs are
# identical files.
export SOURCE_DATE_EPOCH=1700000000

grid=(--vary designs.immunosep.sample_size=100:300:20 --vary population.prevalence.mals=0.1,0.2)
# Fewer replicates under the sanitizers (SEPSIM_SANITIZED, set by ctest),
# which run several times slower: a sweep still outlasts the interruptions.
reps=6000
[ -n "${SEPSIM_SANITIZED:-}" ] && reps=1500
mkdir -p "$work/full" "$work/sigint" "$work/kill"
(cd "$work/full" && "$sepsim" sweep "${grid[@]}" --reps $reps --no-progress --out r.h5 >/dev/null) ||
  fail "uninterrupted sweep"

# 1. Ctrl-C: exit 130, no results file, the completed points saved, and the
#    message says how to resume.
# The interrupted sweeps run every point on its own (--separate-points), which
# outlasts the interruptions; the reference and the resumes of section 1 share
# one pass over the patients between the points that differ only in N: the
# same bytes either way.
cd "$work/sigint"
"$sepsim" sweep "${grid[@]}" --reps $reps --no-progress --separate-points --out r.h5 >/dev/null 2>err &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
code=$?
if [ "$code" -eq 0 ]; then
  echo "note: the sweep finished before Ctrl-C; nothing to resume"
else
  [ "$code" -eq 130 ] && pass || fail "Ctrl-C exit $code, expected 130"
  [ ! -e r.h5 ] && pass || fail "Ctrl-C left a file at the results path"
  grep -q "sepsim sweep --resume r.partial.h5" err && pass || fail "no resume command: $(cat err)"
  grep -q "An unfinished sweep" <<<"$("$sepsim" show r.partial.h5)" && pass ||
    fail "show does not read the partial file"
  expect_usage=$("$sepsim" sweep --resume r.partial.h5 --reps 10 2>&1 >/dev/null)
  [ $? -eq 2 ] && grep -q "comes from the partial file" <<<"$expect_usage" && pass ||
    fail "--resume accepted --reps: $expect_usage"
  # From another folder: the partial file's relative paths are the sweep's.
  (cd "$work" && "$sepsim" sweep --resume sigint/r.partial.h5 --threads 1 --no-progress >/dev/null) ||
    fail "resume from another folder failed"
  [ ! -e "$work/r.h5" ] && pass || fail "resume from another folder wrote r.h5 there"
  cmp -s r.h5 "$work/full/r.h5" && pass || fail "resumed sweep differs from the uninterrupted one"
  [ ! -e r.partial.h5 ] && pass || fail "the partial file was left after resuming"
fi

# 2. SIGKILL at random moments, again and again, resuming each time: no file
#    at the results path until the sweep is done, then the same bytes. The
#    moments lie within the first 1.2 s: the whole sweep takes about 2 s on
#    the 2-core machine (a later moment let it finish unkilled one time in five).
cd "$work/kill"
kills=0
cmd=("$sepsim" sweep "${grid[@]}" --reps $reps --no-progress --separate-points --out r.h5)
for attempt in 1 2 3 4 5 6 7 8; do
  "${cmd[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.2 + 1.0 * rand() }')"
  if kill -KILL "$pid" 2>/dev/null; then
    kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    if [ -e r.h5 ]; then fail "a killed sweep left r.h5"; break; fi
  else
    wait "$pid"
    break
  fi
  [ -e r.partial.h5 ] && cmd=("$sepsim" sweep --resume r.partial.h5 --no-progress --separate-points)
done
[ -e r.h5 ] || "${cmd[@]}" >/dev/null 2>&1 || fail "the last resume failed"
echo "killed $kills times"
[ "$kills" -ge 1 ] && pass || fail "the sweep was never killed (too fast?)"
cmp -s r.h5 "$work/full/r.h5" && pass || fail "killed and resumed sweep differs from the uninterrupted one"
rm -f r.partial.h5.tmp-* # what a kill during a checkpoint write leaves

# 3. A killed plain run leaves nothing at the results path.
for delay in 0.3 0.8 1.5; do
  "$sepsim" run --reps 2000000 --no-progress --out "$work/run.h5" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  [ ! -e "$work/run.h5" ] && pass || fail "a run killed after ${delay}s left a results file"
done

# 4. What cannot be resumed says why.
out=$("$sepsim" sweep --resume "$work/full/r.h5" 2>&1)
[ $? -eq 2 ] && grep -q "nothing to resume" <<<"$out" && pass || fail "resume of a complete sweep: $out"

finish interrupt
