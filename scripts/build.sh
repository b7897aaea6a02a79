#!/usr/bin/env bash
# Configures (once) and builds derm in build/ (Release) against the LibTorch that
# scripts/setup.sh installed. Incremental: a second run only rebuilds what changed. Extra
# arguments go to CMake's configure step, e.g. -DDERM_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DDERM_TORCH_DIR="$(scripts/torch-prefix.sh)" "$@"
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
