#!/usr/bin/env bash
# Prints the folder of the LibTorch that scripts/setup.sh installed (the `torch` package in the
# virtual environment), for CMake's -DDERM_TORCH_DIR. Fails when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${DERM_VENV:-.venv}
for dir in "$VENV"/lib/python3*/site-packages/torch; do
  if [ -f "$dir/share/cmake/Torch/TorchConfig.cmake" ]; then
    realpath "$dir"
    exit 0
  fi
done
echo "torch-prefix: no LibTorch in $VENV: run scripts/setup.sh" >&2
exit 1
