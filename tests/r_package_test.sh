#!/usr/bin/env bash
# The R package (scripts/r/sepsim): installs it with R CMD INSTALL into a
# temporary library (from a copy, so configure never writes into the source
# tree) and runs its testthat suite against the given sepsim.
# Usage: r_package_test.sh SEPSIM
set -euo pipefail
sepsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -R "$here/scripts/r/sepsim" "$work/src"
mkdir "$work/lib"
SEPSIM_EXE="$sepsim" R CMD INSTALL -l "$work/lib" "$work/src" >"$work/install.log" 2>&1 || {
  cat "$work/install.log"; echo "FAIL: R CMD INSTALL"; exit 1; }

cd "$here/scripts/r/sepsim/tests/testthat"
SEPSIM_EXE="$sepsim" SEPSIM_SCENARIOS="$here/scenarios" R_LIBS="$work/lib" TMPDIR="$work" \
  Rscript -e 'library(testthat); library(sepsim)
    options(testthat.progress.max_fails = 1000)
    result <- as.data.frame(test_dir(".", package = "sepsim", load_package = "installed",
                                     reporter = ProgressReporter$new(show_praise = FALSE),
                                     stop_on_failure = FALSE))
    failed <- sum(result$failed) + sum(result$error)
    cat(sprintf("R package: %d tests, %d expectations passed, %d failed, %d skipped\n",
                nrow(result), sum(result$passed), failed, sum(result$skipped)))
    quit(status = if (failed > 0) 1 else 0)'
