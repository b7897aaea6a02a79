#!/usr/bin/env bash
# Fails (listing the files) when a C++ file differs from .clang-format. With --fix, rewrites them.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: these files need scripts/check-format.sh --fix: ${bad[*]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
