#!/usr/bin/env bash
# Installs everything derm's build, tests and demo need on Debian 12: the Debian packages, and
# LibTorch from the official `torch` wheel (CUDA build) in a virtual environment, by default
# .venv/ in the checkout (DERM_VENV=DIR for another; DERM_TORCH_INDEX_URL=URL for another build
# of the wheel, e.g. https://download.pytorch.org/whl/cpu without CUDA). Idempotent: when all is present it changes
# nothing and does not touch the network.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3-venv
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libsqlite3-dev sqlite3 libssl-dev
  libboost-dev libyaml-cpp-dev libcli11-dev librsvg2-dev
  libgtest-dev libgmock-dev
  clang-format clang-14 libclang-rt-14-dev openssl
  slurmctld slurmd slurm-client munge
  chromium chromium-driver python3-selenium
)
# The LibTorch every build uses (docs/development.md says why this one). PyPI's wheel for Linux
# is built with CUDA 13 and brings the CUDA libraries it needs as wheels of their own.
TORCH_VERSION=2.11.0
VENV=${DERM_VENV:-.venv}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if compgen -G "$VENV/lib/python3*/site-packages/torch-$TORCH_VERSION*.dist-info" >/dev/null; then
  echo "setup: torch $TORCH_VERSION present in $VENV"
else
  echo "setup: installing torch $TORCH_VERSION into $VENV (about 4.6 GB with its CUDA libraries)"
  /usr/bin/python3 -m venv "$VENV"
  index=()
  [ -n "${DERM_TORCH_INDEX_URL:-}" ] && index=(--index-url "$DERM_TORCH_INDEX_URL")
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${index[@]}" "torch==$TORCH_VERSION"
fi
