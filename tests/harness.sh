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
# expect CODE PATTERN DESCRIPTION -- command...: the command's exit code, and
# PATTERN (an ERE; empty: any) in its stderr or stdout.
expect() {
  local code=$1 pattern=$2 what=$3
  shift 4
  "$@" >"$work/stdout" 2>"$work/stderr"
  local got=$?
  if [ "$got" -ne "$code" ]; then
    fail "$what: exit $got, expected $code"
    sed 's/^/    /' "$work/stderr"
  elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$work/stderr" "$work/stdout"; then
    fail "$what: output lacks /$pattern/"
    sed 's/^/    /' "$work/stderr"
  else
    pass
  fi
}
# finish NAME: the counts, and a non-zero status on any failure.
finish() {
  echo "$1: $passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}
# other_user_prefix: sets other_user to a command prefix that runs as an
# ordinary user (nobody when the tests run as root, for whom permissions deny
# nothing; empty otherwise) and opens $work to it; fails with a note when
# that is not possible.
other_user_prefix() {
  other_user=()
  [ "$(id -u)" -ne 0 ] && return 0
  if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
    chmod 755 "$work"
    other_user=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups --)
    return 0
  fi
  echo "note: running as root without setpriv or a nobody user: permission cases skipped"
  return 1
}
