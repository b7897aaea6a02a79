#!/usr/bin/env bash
# For a session lent a GPU machine (CUDA, CMake and PyTorch, but no gRPC/OpenCV and no network):
# builds the LibTorch-only tensor core against PyTorch's bundled LibTorch, runs the core tests
# (their CUDA cases run there) when GoogleTest is present, and benchmarks derm's core side by side
# with ../shared/bench/pytorch_reference.py at the issue's settings. One JSON line per figure.
#   scripts/device-check.sh [REFERENCE_SCRIPT]
set -uo pipefail
cd "$(dirname "$0")/.."
REF=${1:-../shared/bench/pytorch_reference.py}
[ -f "$REF" ] || REF=shared/bench/pytorch_reference.py
TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
cmake -S . -B build-device -DCMAKE_BUILD_TYPE=Release -DDERM_CORE_ONLY=ON -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" \
  > build-device.log 2>&1 || { tail -30 build-device.log; exit 1; }
cmake --build build-device -j "$(nproc)" >> build-device.log 2>&1 || { tail -30 build-device.log; exit 1; }
if [ -x build-device/tests/core_test ]; then
  build-device/tests/core_test --gtest_brief=1 2>&1 | tail -15
fi
for batch in 32 256; do
  python3 "$REF" --device cuda --size 224 --batch $batch --steps 40 --bf16 --channels-last
  build-device/bench/derm-core-bench --device cuda --size 224 --batch $batch --steps 40 --bf16 --channels-last
done
python3 "$REF" --device cuda --size 224 --batch 32 --steps 40
build-device/bench/derm-core-bench --device cuda --size 224 --batch 32 --steps 40
