#!/usr/bin/env bash
# Installs the R package (scripts/r/sepsim) into the user's R library,
# R_LIBS_USER (created if missing), recording the absolute path of the sepsim
# executable so that library(sepsim) finds it with nothing else set.
# Called by scripts/run.sh and scripts/test.sh after the Release build.
# Usage: scripts/install-r-package.sh [SEPSIM]   (default build/sepsim)
set -euo pipefail
cd "$(dirname "$0")/.."

exe=${1:-build/sepsim}
[ -x "$exe" ] || { echo "install-r-package: no sepsim executable at $exe (build first)" >&2; exit 1; }
exe=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")

# The first entry of R_LIBS_USER, as R expands it (~, %v for the R version).
lib=$(Rscript -e 'cat(path.expand(strsplit(Sys.getenv("R_LIBS_USER"), .Platform$path.sep)[[1]][1]))')
[ -n "$lib" ] || { echo "install-r-package: R_LIBS_USER is empty" >&2; exit 1; }
mkdir -p "$lib"

# Install from a copy: the package's configure writes the recorded path into
# inst/, which stays out of the source tree.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R scripts/r/sepsim "$work/sepsim"
SEPSIM_EXE="$exe" R CMD INSTALL -l "$lib" "$work/sepsim" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2; echo "install-r-package: R CMD INSTALL failed" >&2; exit 1; }
echo "sepsim R package installed in $lib (it runs $exe)"
