#!/usr/bin/env bash
# Peak resident memory (VmHWM) of a worker training on a folder at 224 px: decoding, then the
# first training batches (the per-batch footprint is the same for the rest of the run), after
# which the job is cancelled. Prints one JSON line.
#   DATA=/tmp/tutorial-size/Train bench/worker_memory.sh          # a tutorial-sized set, in RAM
#   WORKER_FLAGS="--cache-dir /tmp/c --cache-budget 256M" DATA=... bench/worker_memory.sh
# Make a tutorial-sized set (11,241 JPEGs of 600x450) with
#   build/worker/derm-worker demo-data --out /tmp/tutorial-size --train-per-class 1249 \
#     --test-per-class 0 --size 600 --height 450
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:?DATA=an image folder with class sub-folders}
RUN_SECONDS=${RUN_SECONDS:-120}
W=${BENCH_DIR:-/tmp/derm-memory-bench}
export WORKERS=1 WORKER_FLAGS=${WORKER_FLAGS:-}
mkdir -p "$W"
deploy/local-cluster.sh start "$W/run" >&2
trap 'deploy/local-cluster.sh stop "$W/run"' EXIT
DERM_SERVER=$(cat "$W/run/address")
DERM_TOKEN=$(cat "$W/run/user.token")
export DERM_SERVER DERM_TOKEN
cat > "$W/train.yaml" <<YAML
kind: train
name: memory
data: {train_dir: $DATA, image_size: [224, 224]}
train: {epochs: 1}
YAML
job=$(build/client/dermctl submit "$W/train.yaml" | sed -n 's/^submitted job \([0-9]*\).*/\1/p')
pid=$(cat "$W/run/worker1.pid")
sleep "$RUN_SECONDS"  # a benchmark, not a test: it samples the worker after a fixed time
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
# When the worker reported the data's facts (runs.started_ms), it had decoded everything.
decoded=$(build/client/dermctl query -o csv "SELECT coalesce((r.started_ms - j.created_ms) / 1000.0, -1)
  FROM runs r JOIN jobs j ON j.id = r.job_id WHERE j.id = $job" | tail -1)
build/client/dermctl cancel "$job" --reason "memory benchmark done" >&2
images=$(find "$DATA" -type f | wc -l)
echo "{\"images\": $images, \"worker_flags\": \"$WORKER_FLAGS\", \"seconds\": $RUN_SECONDS," \
  "\"decoded_after_s\": $decoded," \
  "\"peak_rss_mb\": $((hwm / 1024)), \"rss_mb_at_end\": $((rss / 1024))}"
grep -E "job $job" "$W/run/worker1.log" | tail -2 >&2
