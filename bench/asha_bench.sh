#!/usr/bin/env bash
# ASHA against a plain grid on the demo data: the same 27-trial sweep (learning rate x dropout x
# batch size, 9 epochs each, 64x64 images) run twice on a fresh local cluster with one worker,
# first without early stopping, then with sweep.early_stopping {type: asha, metric: val_accuracy,
# grace_epochs: 1, reduction_factor: 3}. Prints, per sweep, the epochs trained, the worker time
# (the attempts' durations, from SQL), the wall time, the best validation accuracy and the test
# accuracy of the trial that reached it. bench/README.md has the figures.
#   bench/asha_bench.sh [RUN_DIR]     (needs scripts/build.sh and scripts/demo.sh's data)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${1:-run/asha-bench}
DATA=$PWD/data/demo
[ -d "$DATA/Train" ] || build/worker/derm-worker demo-data --out "$DATA" --train-per-class 60 --test-per-class 10 --size 64
rm -rf "$RUN_DIR"
deploy/local-cluster.sh start "$RUN_DIR" >/dev/null
trap 'deploy/local-cluster.sh stop "$RUN_DIR" >/dev/null' EXIT
export DERM_SERVER=$(cat "$RUN_DIR/address")
DERMCTL=(build/client/dermctl --token-file "$RUN_DIR/user.token")

spec() {  # $1: sweep name, $2: extra sweep fields
  cat <<YAML
kind: train
name: $1
data: {train_dir: $DATA/Train, test_dir: $DATA/Test, image_size: [64, 64]}
train: {epochs: 9}
sweep:
  method: grid
  parameters:
    train.learning_rate: [0.0003, 0.001, 0.003]
    model.dropout: [0.0, 0.2, 0.5]
    train.batch_size: [16, 32, 64]
  $2
YAML
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for arm in grid asha; do
  extra=""
  [ "$arm" = asha ] && extra="early_stopping: {type: asha, metric: val_accuracy, grace_epochs: 1, reduction_factor: 3}"
  spec "bench-$arm" "$extra" >"$RUN_DIR/$arm.yaml"
  start=$(date +%s.%N)
  "${DERMCTL[@]}" submit "$RUN_DIR/$arm.yaml" --wait >/dev/null
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  "${DERMCTL[@]}" query -o csv "
    WITH s AS (SELECT r.id, r.stopped_epoch, rs.epochs_done, rs.best_val_accuracy, rs.test_accuracy
               FROM runs r JOIN run_summary rs ON rs.run_id = r.id JOIN jobs j ON j.id = r.job_id
               WHERE j.name LIKE 'bench-$arm%')
    SELECT '$arm' AS sweep, count(*) AS trials, sum(stopped_epoch IS NOT NULL) AS stopped,
           sum(epochs_done) AS epochs_trained,
           (SELECT round(sum(a.ended_ms - a.started_ms) / 1000.0, 1) FROM attempts a JOIN jobs j ON j.id = a.job_id
            WHERE j.name LIKE 'bench-$arm%') AS worker_s,
           round($wall, 1) AS wall_s,
           round(max(best_val_accuracy), 4) AS best_val_accuracy,
           (SELECT round(test_accuracy, 4) FROM s ORDER BY best_val_accuracy DESC, id LIMIT 1) AS its_test_accuracy
    FROM s"
done
