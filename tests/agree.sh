# The side-by-side comparison shared by rpact_test.sh, survival_test.sh,
# survival_events_test.sh and ordinal_test.sh, sourced after setting `reference_name` (the name printed
# for the other tool). Counts checks and failures.
failures=0
checks=0
# agree LABEL SEPSIM SEPSIM_SE REFERENCE REFERENCE_SE: within 4 combined Monte Carlo SE.
agree() {
  checks=$((checks + 1))
  /usr/bin/python3 - "$reference_name" "$@" <<'PY' || failures=$((failures + 1))
import math, sys
name, label, s, s_se, r, r_se = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:7])
se = math.hypot(s_se, r_se)
z = (s - r) / se if se > 0 else (0.0 if s == r else math.inf)
ok = abs(z) < 4
print(f"{label}: sepsim {s:.5f} ± {s_se:.5f}, {name} {r:.5f} ± {r_se:.5f}, "
      f"difference {z:+.2f} combined SE -> {'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
}
# agree_binomial LABEL SEPSIM SEPSIM_SE REFERENCE ITERATIONS: the reference a
# proportion over ITERATIONS trials, its SE binomial.
agree_binomial() {
  agree "$1" "$2" "$3" "$4" "$(/usr/bin/python3 -c "import math; print(math.sqrt($4 * (1 - $4) / $5))")"
}

# require_r_packages PACKAGE...: exits 1 naming the Debian package of the first
# R package missing (scripts/test.sh installs them).
require_r_packages() {
  local package
  for package in "$@"; do
    if ! Rscript -e "suppressPackageStartupMessages(library($package))" >/dev/null 2>&1; then
      echo "R package $package is not installed (Debian r-cran-${package,,}); scripts/test.sh installs it" >&2
      exit 1
    fi
  done
}
# json FILE EXPRESSION: a value from sepsim's JSON summary (d = the first design).
json() {
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['points'][0]['designs'][0]; print($2)" "$1"
}
# field NAME LINE: NAME=value from a reference script's key=value line (NAME
# whole, so power= does not match another_power=).
field() { sed -n "s/.*\(^\| \)$1=\([0-9.]*\).*/\2/p" <<<"$2"; }
