#!/usr/bin/env bash
# README command 1: set up, build (Release), generate the demo dataset, start a local
# derm-scheduler (SQLite file, loopback) and one derm-worker, train examples/demo.yaml while
# following its progress, print the run's per-epoch metrics and validation confusion matrix, and
# stop the servers. Set-up, build and data generation are skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh

DATA=data/demo
if [ ! -d "$DATA/Train" ]; then
  build/worker/derm-worker demo-data --out "$DATA" --train-per-class 60 --test-per-class 10 --size 64
fi

RUN_DIR=${RUN_DIR:-run/demo}
deploy/local-cluster.sh start "$RUN_DIR"
trap 'deploy/local-cluster.sh stop "$RUN_DIR"' EXIT
DERM_SERVER=$(cat "$RUN_DIR/address")
DERM_TOKEN=$(cat "$RUN_DIR/user.token")  # an editor's token the local cluster made
export DERM_SERVER DERM_TOKEN

build/client/dermctl submit examples/demo.yaml --follow
echo
echo "Results are in $RUN_DIR/results.db (try: sqlite3 $RUN_DIR/results.db 'SELECT * FROM run_summary')."
