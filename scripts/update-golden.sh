#!/usr/bin/env bash
# Rewrites the end-to-end references (tests/golden/*.out) from the current
# Release build, after a deliberate change of numbers. Review `git diff
# tests/golden` and say in the commit message why the numbers changed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test release >/dev/null
bash tests/golden_test.sh build/sepsim --update
