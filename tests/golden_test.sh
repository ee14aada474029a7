#!/usr/bin/env bash
# End-to-end regression: every case in tests/golden/cases.txt (every scenario
# under scenarios/, sweeps, size, boundaries, cohort) gives byte-identical
# output to its committed reference, at one and at two threads.
# Usage: golden_test.sh SEPSIM [--update]   (--update rewrites the references;
# scripts/update-golden.sh does that after a deliberate change of numbers)
set -uo pipefail
source "$(dirname "$0")/harness.sh"
update=0
[ "${2:-}" = --update ] && update=1
golden=$here/tests/golden
cd "$here"

# The output of one case: the table, JSON or CSV on stdout, and the HDF5 file
# as text when the case writes one.
produce() { # NAME ARGS... -> stdout
  local name=$1 h5="$work/$1.h5" out
  shift
  local args=("${@/OUT.h5/$h5}")
  # Cases without OUT.h5 write to results/ under the default name, again and again.
  [[ "${args[0]}" =~ ^(run|sweep)$ ]] && args+=(--overwrite)
  out=$("$sepsim" "${args[@]}") || { echo "sepsim exited with $? on: ${args[*]}" >&2; return 1; }
  # The terminal table or JSON, without what differs between builds and runs
  # (version, commit, the run's duration), then the HDF5 file as text.
  printf '%s\n' "$out" | grep -v -E '^  "(git_commit|sepsim_version)": |^Results (of [0-9]+ grid points )?written to '
  [[ " $* " == *" OUT.h5 "* ]] && /usr/bin/python3 "$golden/h5text.py" "$h5"
  rm -f "$h5"
}

while IFS='|' read -r name argline; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  read -r -a args <<<"$argline"
  reference="$golden/$name.out"
  thread_counts=(1)
  [[ "${args[0]}" =~ ^(run|sweep|size)$ ]] && thread_counts=(1 2)
  for threads in "${thread_counts[@]}"; do
    run_args=("${args[@]}")
    [[ "${args[0]}" =~ ^(run|sweep|size)$ ]] && run_args+=(--threads "$threads")
    if ! produce "$name" "${run_args[@]}" >"$work/$name.out"; then
      fail "$name: sepsim failed"
      continue
    fi
    if [ "$update" -eq 1 ]; then
      cp "$work/$name.out" "$reference"
      pass
      break
    fi
    if cmp -s "$work/$name.out" "$reference"; then
      pass
    else
      fail "$name (threads $threads) differs from tests/golden/$name.out:"
      diff "$reference" "$work/$name.out" | head -20
    fi
  done
done <"$golden/cases.txt"
finish golden
