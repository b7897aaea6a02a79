#!/usr/bin/env bash
# derm-core-bench beside the reference (../shared/bench/pytorch_reference.py: eager, channels-last,
# torch.compile, bf16) in alternating rounds on this machine, one JSON line per run, each tagged
# with what ran. Environment: ROUNDS (2), SIZE (224), BATCH (32), STEPS (3), THREADS (2),
# BACKBONE_BATCH (8: the CPU worker's passes at 224 px), PYTHON (.venv/bin/python, whose
# torchvision the reference needs: .venv/bin/pip install torchvision==0.26.0), DERM_CORE_BENCH
# (build/bench/derm-core-bench), REFERENCE (../shared/bench/pytorch_reference.py).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2} SIZE=${SIZE:-224} BATCH=${BATCH:-32} STEPS=${STEPS:-3} THREADS=${THREADS:-2}
BACKBONE_BATCH=${BACKBONE_BATCH:-8}
PYTHON=${PYTHON:-.venv/bin/python}
DERM_CORE_BENCH=${DERM_CORE_BENCH:-build/bench/derm-core-bench}
export DERM_REFERENCE=${REFERENCE:-../shared/bench/pytorch_reference.py}
common=(--size "$SIZE" --batch "$BATCH" --steps "$STEPS" --warmup 1 --threads "$THREADS")

run() {
  local tag=$1
  shift
  echo "{\"run\": \"$tag\", \"result\": $("$@" 2>/dev/null | tail -n 1)}"
}

echo "{\"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p')\", \"cores\": $(nproc)}"
for _ in $(seq "$ROUNDS"); do
  run "reference fp32" "$PYTHON" "$DERM_REFERENCE" --device cpu "${common[@]}"
  run "reference fp32 channels-last" "$PYTHON" "$DERM_REFERENCE" --device cpu "${common[@]}" --channels-last
  run "reference fp32 channels-last torch.compile" "$PYTHON" bench/reference_compiled.py --device cpu \
    "${common[@]}" --channels-last
  run "reference bf16 channels-last" "$PYTHON" "$DERM_REFERENCE" --device cpu "${common[@]}" --bf16 --channels-last
  run "derm fp32 channels-last" "$DERM_CORE_BENCH" "${common[@]}" --channels-last --backbone-batch "$BACKBONE_BATCH"
  run "derm bf16 channels-last" "$DERM_CORE_BENCH" "${common[@]}" --channels-last --backbone-batch "$BACKBONE_BATCH" --bf16
done
