# Shared scaffolding of the shell tests, sourced after `set -uo pipefail` with
# the sepsim binary as $1: $sepsim (absolute), $here (the repository), a
# scratch folder $work removed on exit, pass/fail counters and the summary.
sepsim=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passes=0
pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# finish NAME: the counts, and a non-zero status on any failure.
finish() {
  echo "$1: $passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}
