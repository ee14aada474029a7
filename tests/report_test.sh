#!/usr/bin/env bash
# sepsim report: reports of a small run (the teaching scenario: precision,
# one-size-fits-all, placebo, with design labels) and a small sweep, each
# loaded in Debian's headless chromium: no console errors (checked to catch a
# deliberate JS error first), a non-trivial screenshot, no http(s) resource.
# Then the refusals: exit 2 for a missing or foreign file, 3 for an unwritable
# --out, and never a half-written page. Usage: report_test.sh SEPSIM
set -euo pipefail
sepsim=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SEPSIM_SCRIPTS_DIR=$here/scripts
fail() { echo "FAIL: $*"; exit 1; }
command -v chromium >/dev/null || fail "chromium is not installed (scripts/setup.sh test installs it)"

# Loads PAGE in headless chromium, screenshot in SHOT; prints the console lines
# (errors, uncaught exceptions, failed loads) that chromium logged.
console_of() { # PAGE SHOT
  local log=$work/chromium.log
  timeout 60 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
    --user-data-dir="$work/profile" --screenshot="$2" --window-size=1200,2400 \
    "file://$1" >/dev/null 2>"$log" || fail "chromium failed on $1: $(tail -3 "$log")"
  grep -E ':CONSOLE(\(|:)' "$log" || true
}
is_big_png() { # FILE: a PNG of more than 20 kB (a blank page is a few kB)
  [ -f "$1" ] || fail "no screenshot $1"
  head -c 8 "$1" | od -An -tx1 | grep -q "89 50 4e 47" || fail "$1 is not a PNG"
  [ "$(stat -c %s "$1")" -gt 20000 ] || fail "$1 is a near-empty screenshot ($(stat -c %s "$1") bytes)"
}
check_page() { # HTML: no console errors, a real screenshot, nothing to fetch
  local errors
  errors=$(console_of "$1" "${1%.html}.png")
  [ -z "$errors" ] || fail "console errors in $1: $errors"
  is_big_png "${1%.html}.png"
  if grep -qiE 'https?://' "$1"; then fail "$1 refers to http(s): $(grep -oiE '.{30}https?://.{30}' "$1" | head -3)"; fi
  grep -q '<img alt=[^>]*src="data:image/svg+xml;base64,' "$1" || fail "$1 has no inline figure"
}

# The console check catches an error: a page with a deliberate one.
printf '<!DOCTYPE html><html><body><p>broken</p><script>no_such_function();</script></body></html>\n' \
  >"$work/broken.html"
errors=$(console_of "$work/broken.html" "$work/broken.png")
case $errors in *no_such_function*) ;; *) fail "the console check missed a JS error: '$errors'";; esac

# A run of the teaching scenario with labelled designs.
"$sepsim" run "$here/scenarios/teaching/opal-vs-immunosep.toml" --reps 300 --no-progress \
  --set 'designs.immunosep.label="Precision (anakinra / IFN-γ)"' \
  --set 'designs.osfa_anakinra.label="Anakinra for all"' --out "$work/teach.h5" >/dev/null
out=$("$sepsim" report "$work/teach.h5")
[ "$out" = "$work/teach.html" ] || fail "default --out: $out"
check_page "$work/teach.html"
for want in "Precision vs one-size-fits-all" "Precision (anakinra / IFN-γ)" "Anakinra for all" \
  "paired Monte Carlo SE" "95% interval" "MALS 6.5%" "ferritin &gt; 4420" "seed" "git commit" \
  "The terminal table" "Power (reject for precision)"; do
  grep -qF "$want" "$work/teach.html" || fail "teach.html lacks '$want'"
done

# A small sweep: the power curves.
"$sepsim" sweep "$here/scenarios/sweeps/teaching-mals-share.toml" \
  --vary population.prevalence.mals=0.05,0.3 --reps 200 --no-progress --out "$work/sweep.h5" >/dev/null
out=$("$sepsim" report "$work/sweep.h5" --out "$work/chosen/sweep-report.html" 2>&1) && \
  fail "a missing --out folder was accepted: $out"
mkdir "$work/chosen"
out=$("$sepsim" report "$work/sweep.h5" --out "$work/chosen/sweep-report.html")
[ "$out" = "$work/chosen/sweep-report.html" ] || fail "--out: $out"
check_page "$work/chosen/sweep-report.html"
grep -qF "population.prevalence.mals" "$work/chosen/sweep-report.html" || fail "sweep report lacks its axis"
grep -qF "Precision vs one-size-fits-all" "$work/chosen/sweep-report.html" || fail "sweep: no teaching paragraph"

# Refusals: exit 2 for bad input, 3 for an unwritable report; no page left.
expect() { # CODE MESSAGE_PART ARGS...
  local code=$1 part=$2 rc=0 err
  shift 2
  err=$("$sepsim" report "$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" = "$code" ] || fail "report $*: exit $rc, expected $code ($err)"
  case $err in *"$part"*) ;; *) fail "report $*: message '$err' lacks '$part'";; esac
}
expect 2 "$work/none.h5: no such file" "$work/none.h5"
echo "not hdf5" >"$work/text.h5"
expect 2 "$work/text.h5 is not a sepsim results file" "$work/text.h5"
[ ! -e "$work/text.html" ] || fail "a report was written for a refused file"
expect 2 "is the results file itself" "$work/teach.h5" --out "$work/teach.h5"
mkdir "$work/locked"
chmod 555 "$work/locked"
if [ "$(id -u)" != 0 ]; then
  expect 3 "cannot write the report $work/locked/r.html" "$work/teach.h5" --out "$work/locked/r.html"
fi
expect 3 "cannot write the report /dev/full/r.html" "$work/teach.h5" --out /dev/full/r.html
expect 3 "it is a folder" "$work/teach.h5" --out "$work/chosen"
ls "$work"/*.tmp-* "$work"/chosen/*.tmp-* >/dev/null 2>&1 && fail "a temporary page was left"
SEPSIM_SCRIPTS_DIR=$work/nowhere expect 3 "cannot find the report script $work/nowhere/report.py" "$work/teach.h5"
echo "report: 2 reports in chromium (no console errors; the check caught a deliberate one), 7 refusals passed"
