#!/usr/bin/env bash
# Installs the Debian packages sepsim needs (only those missing) and builds it.
# Usage: scripts/setup.sh [run|test] [PRESET] [TARGET...]
#   run  - what building and running needs (default), with R and jsonlite for
#          the R package (scripts/r/sepsim, installed by scripts/install-r-package.sh)
#   test - also what the test suite and validation need (h5py, rpact, testthat,
#          chromium)
#   fuzz - also clang and libFuzzer (scripts/fuzz.sh)
#   mpi  - also Open MPI (distributed runs: the mpi preset)
# PRESET is a CMake configure preset (release by default; asan, tsan, debug).
# TARGETs: build only these (e.g. sepsim), not every target.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:-run}
preset=${2:-release}

build_packages=(g++ make cmake git libboost-dev libtbb-dev libeigen3-dev libhdf5-dev hdf5-tools
  catch2 libcli11-dev libtomlplusplus-dev librandom123-dev)
r_packages=(r-base-core r-cran-jsonlite) # the R package scripts/r/sepsim
test_packages=(python3-h5py python3-matplotlib r-cran-rpact r-cran-mnormt r-cran-survival r-cran-mass
  r-cran-ordinal "${r_packages[@]}" r-cran-testthat chromium) # chromium: tests/report_test.sh
fuzz_packages=(clang libclang-rt-14-dev) # libFuzzer
mpi_packages=(libopenmpi-dev openmpi-bin python3-h5py)


packages=("${build_packages[@]}")
[ "$profile" = run ] && packages+=("${r_packages[@]}")
[ "$profile" = test ] && packages+=("${test_packages[@]}")
[ "$profile" = fuzz ] && packages+=("${fuzz_packages[@]}")
[ "$profile" = mpi ] && packages+=("${mpi_packages[@]}")



missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "sepsim setup: installing missing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
targets=("${@:3}")
cmake --build --preset "$preset" -j "$jobs" ${targets[@]+--target "${targets[@]}"}
