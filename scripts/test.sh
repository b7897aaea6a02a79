#!/usr/bin/env bash
# README command 2: set up, build, and run the whole test suite. Non-zero exit on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
scripts/check-format.sh
cd "${BUILD_DIR:-build}"
ctest -j "$(nproc)" --output-on-failure --timeout 900
