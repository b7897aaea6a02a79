#!/usr/bin/env bash
# Compiles the code that takes locks (the scheduler and its parts, the worker loop) with clang's
# thread-safety analysis (-Wthread-safety -Werror) in build-tsa/: a member read without its
# DERM_GUARDED_BY mutex, or a ...Locked function called without its DERM_REQUIRES lock, fails
# the build. Compiles only (no linking, no tests): about a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-tsa}
CXX_CLANG=${CXX_CLANG:-$(command -v clang++-14 || command -v clang++)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$CXX_CLANG" \
    -DDERM_THREAD_SAFETY=ON -DDERM_TORCH_DIR="$(scripts/torch-prefix.sh)" >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$(nproc)" --target derm_scheduler derm_web \
  worker/CMakeFiles/derm_worker.dir/worker_loop.cc.o
echo "thread-safety-check: the annotated locks are used as declared"
