#!/usr/bin/env bash
# Runs a command as on a CPU whose widest vector instructions are ISA: oneDNN (convolutions),
# ATen's own kernels and MKL (matrix products) are each limited to it, so they take the kernels,
# and the fp32 rounding, of such a CPU. ISA: AVX2, AVX512_CORE, or DEFAULT (no limit).
#   scripts/with-isa.sh AVX2 ctest --test-dir build
set -euo pipefail
isa=${1:?usage: scripts/with-isa.sh AVX2|AVX512_CORE|DEFAULT COMMAND...}
shift
case "$isa" in
  AVX2) aten=avx2 mkl=AVX2 ;;
  AVX512_CORE) aten=avx512 mkl=AVX512 ;;
  DEFAULT) exec "$@" ;;
  *) echo "with-isa: unknown ISA '$isa' (AVX2, AVX512_CORE or DEFAULT)" >&2; exit 2 ;;
esac
ONEDNN_MAX_CPU_ISA=$isa ATEN_CPU_CAPABILITY=$aten MKL_ENABLE_INSTRUCTIONS=$mkl exec "$@"
