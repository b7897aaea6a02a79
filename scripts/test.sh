#!/usr/bin/env bash
# README command 2: set up, build, and run the whole test suite twice: on this CPU's own kernels,
# then limited to AVX2 (as on a CPU without AVX-512), since every CPU rounds fp32 its own way and
# the suite must pass on all of them. Non-zero exit on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
scripts/check-format.sh
scripts/thread-safety-check.sh
# A real single-node Slurm (two fake GPUs) for derm-launcher's end-to-end test, which must run.
if [ "$(id -u)" = 0 ]; then scripts/slurm-up.sh; else sudo scripts/slurm-up.sh; fi
export DERM_REQUIRE_SLURM=1
# The dashboard's browser test (Debian's chromium, chromedriver, python3-selenium) must run too.
export DERM_REQUIRE_BROWSER=1
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" -j "$(nproc)" --output-on-failure --timeout 900
echo "test: again with oneDNN, ATen and MKL limited to AVX2"
scripts/with-isa.sh AVX2 ctest --test-dir "$BUILD_DIR" -j "$(nproc)" --output-on-failure --timeout 900
