#!/usr/bin/env bash
# The architecture as a test: files under 500 lines, functions under 80, and
# imports that run one way,
#   app -> run -> trial | input -> cohort | stats -> scenario -> core,
# and output sees only the run summary (and what it is made of). A file in
# sim/<folder>/ or include/sepsim/<folder>/ may include its own folder and the
# folders below it, never above or beside it.
# Usage: layers_test.sh (from anywhere; reads the source tree)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

declare -A allowed=(
  [core]="core"
  [scenario]="scenario core"
  [cohort]="cohort scenario core"
  [stats]="stats scenario core"
  [input]="input cohort stats scenario core"
  [trial]="trial cohort stats scenario core"
  [run]="run trial input cohort stats scenario core"
  [output]="output run/summary scenario core"
  [app]="app run output trial input cohort stats scenario core"
)
failures=0
for folder in "${!allowed[@]}"; do
  for file in $(ls sim/"$folder"/* include/sepsim/"$folder"/* 2>/dev/null); do
    while read -r target; do
      ok=0
      for a in ${allowed[$folder]}; do
        [[ "$target" == "$a"/* || "$target" == "$a".hpp ]] && ok=1
      done
      if [ "$ok" -eq 0 ]; then
        echo "FAIL: $file includes sepsim/$target, above or beside sim/$folder"
        failures=$((failures + 1))
      fi
    done < <(grep -oE '#include "sepsim/[a-z_/]+\.hpp"' "$file" | sed -E 's/#include "sepsim\/(.*)"/\1/')
  done
done
# Third-party APIs each in one place.
check_only() { # PATTERN ALLOWED_REGEX WHAT
  local bad
  bad=$(grep -rlE "$1" sim include | grep -vE "$2" || true)
  if [ -n "$bad" ]; then
    echo "FAIL: $3 used outside its module: $bad"
    failures=$((failures + 1))
  fi
}
check_only '#include <toml\+\+' '^sim/input/' 'toml++'
check_only '#include <H5Cpp.h>|#include <hdf5' '^sim/output/hdf5_' 'HDF5'
check_only '#include <CLI/' '^sim/app/' 'CLI11'
# Small files and small functions (a longer one carries a "long function:" comment).
for file in $(find sim include -name '*.cpp' -o -name '*.hpp' -o -name '*.in'); do
  lines=$(wc -l <"$file")
  if [ "$lines" -gt 500 ]; then
    echo "FAIL: $file has $lines lines (at most 500: split the module)"
    failures=$((failures + 1))
  fi
done
if ! /usr/bin/python3 tests/function_lengths.py $(find sim include -name '*.cpp' -o -name '*.hpp'); then
  failures=$((failures + 1))
fi
# Self-contained: what users and developers read cites files inside the repository.
outside=$(grep -rln '\.\./shared' README.md results scenarios sim include scripts tests \
  --exclude-dir=golden --exclude=layers_test.sh || true)
if [ -n "$outside" ]; then
  echo "FAIL: these cite files outside the repository (../shared): $outside"
  failures=$((failures + 1))
fi
echo "layers: $failures problem(s)"
[ "$failures" -eq 0 ]
