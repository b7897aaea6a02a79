#!/usr/bin/env bash
# Fuzzes one target (spec_yaml, run_filter, safetensors, model_file, decode_cache) with libFuzzer
# for SECONDS (default 300): builds build-fuzz/ with clang-14, ASan and UBSan, starts from the
# committed corpus (tests/fuzz/corpus/TARGET) and keeps what it finds under build-fuzz/found/.
# An input that crashes goes to build-fuzz/found/crash-*: fix the bug, then copy it into the
# corpus, where CI replays it on every build (ctest -R FuzzCorpus).
#   scripts/fuzz.sh run_filter 600
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
SECONDS_TO_RUN=${2:-300}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
CLANG=${CLANG:-$(command -v clang++-14 || command -v clang++)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CLANG" \
    -DDERM_LIBFUZZER=ON -DDERM_TORCH_DIR="$(scripts/torch-prefix.sh)" >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${TARGET}_fuzz"
mkdir -p "$BUILD_DIR/found/$TARGET"
cd "$BUILD_DIR/found"
"../tests/fuzz/${TARGET}_fuzz" -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -timeout=10 \
  "$TARGET" "../../tests/fuzz/corpus/$TARGET"
