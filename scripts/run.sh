#!/usr/bin/env bash
# Set up, build, and run the default ImmunoSep scenario: a table on the
# terminal and an HDF5 file under results/. Extra arguments go to `sepsim run`,
# e.g. scripts/run.sh --reps 20000 --set population.prevalence.mals=0.04
# Rerunning it replaces the previous results file (--overwrite): this script
# is the quick start, meant to be run again and again. It also installs the R
# package (scripts/r/sepsim) into the user's R library, bound to build/sepsim.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run release
scripts/install-r-package.sh build/sepsim
exec build/sepsim run --overwrite "$@"
