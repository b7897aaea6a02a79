#!/usr/bin/env bash
# For a session lent a GPU machine (CUDA, CMake and PyTorch 2.11, no network): builds derm against
# PyTorch's bundled LibTorch (the same 2.11 as scripts/setup.sh installs) — the whole project
# where gRPC and OpenCV are installed, else the LibTorch-only tensor core — runs the tests that
# were built (their CUDA cases run there), and benchmarks derm's core side by side with the
# reference, eager and torch.compile, at the issue's settings. One JSON line per figure.
#   scripts/device-check.sh [REFERENCE_SCRIPT]
set -uo pipefail
cd "$(dirname "$0")/.."
REF=${1:-../shared/bench/pytorch_reference.py}
[ -f "$REF" ] || REF=shared/bench/pytorch_reference.py
export DERM_REFERENCE=$REF
TORCH_DIR=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
configure() { cmake -S . -B build-device -DCMAKE_BUILD_TYPE=Release -DDERM_TORCH_DIR="$TORCH_DIR" "$@"; }
if configure > build-device.log 2>&1; then
  echo '{"build": "whole project"}'
else
  rm -rf build-device
  configure -DDERM_CORE_ONLY=ON > build-device.log 2>&1 || { tail -30 build-device.log; exit 1; }
  echo '{"build": "tensor core only (no gRPC/OpenCV here)"}'
fi
cmake --build build-device -j "$(nproc)" >> build-device.log 2>&1 || { tail -30 build-device.log; exit 1; }
(cd build-device && ctest -j 4 --timeout 900 2>&1 | tail -15)
for batch in 32 256; do
  python3 "$REF" --device cuda --size 224 --batch $batch --steps 40 --bf16 --channels-last
  build-device/bench/derm-core-bench --device cuda --size 224 --batch $batch --steps 40 --bf16 --channels-last
done
python3 bench/reference_compiled.py --device cuda --size 224 --batch 256 --steps 40 --bf16 --channels-last
python3 "$REF" --device cuda --size 224 --batch 32 --steps 40
build-device/bench/derm-core-bench --device cuda --size 224 --batch 32 --steps 40
