#!/usr/bin/env bash
# Checks deploy/docker/Dockerfile without a container engine: every shared library the built
# binaries need directly (readelf NEEDED) must come from a Debian package the image installs,
# or from LibTorch's folder, which the worker image copies.
#   deploy/docker/check-runtime-packages.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:?usage: check-runtime-packages.sh BUILD_DIR}
DOCKERFILE=deploy/docker/Dockerfile
# The packages after "# runtime-packages TARGET", up to the end of that RUN.
packages() {
  awk -v t="$1" '$0 == "# runtime-packages " t {on = 1; next} on && /rm -rf/ {exit} on' "$DOCKERFILE" |
    tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|update|RUN|-y)$' | sort -u
}
status=0
check() {  # TARGET BINARY...
  local target=$1; shift
  local have; have=$(packages "$target")
  [ -n "$have" ] || { echo "check-runtime-packages: no '# runtime-packages $target' list in $DOCKERFILE"; status=1; return; }
  for bin in "$@"; do
    for lib in $(readelf -d "$BUILD/$bin" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
      path=$(ldd "$BUILD/$bin" | awk -v l="$lib" '$1 == l {print $3}')
      [ -n "$path" ] || { echo "$bin: $lib not found"; status=1; continue; }
      case "$path" in */site-packages/torch/lib/*) continue ;; esac
      # dpkg knows a file by the path its package shipped it under (/lib or /usr/lib).
      pkg=$({ dpkg -S "$path" || dpkg -S "$(realpath "$path")"; } 2>/dev/null | head -1 | cut -d: -f1 || true)
      [ -n "$pkg" ] || { echo "check-runtime-packages: no Debian package holds $path ($bin)"; status=1; continue; }
      case "$pkg" in libc6|libgcc-s1|libstdc++6) continue ;; esac  # in every Debian image
      if ! grep -qx "$pkg" <<< "$have"; then
        echo "check-runtime-packages: the $target image lacks $pkg ($lib, needed by $bin)"
        status=1
      fi
    done
  done
}
check scheduler scheduler/derm-scheduler scheduler/launcher/derm-launcher client/dermctl
check worker worker/derm-worker
[ $status = 0 ] && echo "check-runtime-packages: the images install every library the binaries link"
exit $status
