#!/usr/bin/env bash
# End-to-end bulk inference: JPEG files -> stored predictions (and the CSV), through a local
# scheduler and WORKERS workers, timed from the first shard lease to the job's end (the events
# table). Prints one JSON line; compare it with derm-decode-bench and the reference's inference
# figure on the same machine (bench/README.md).
#   bench/infer_bench.sh                                  # 405 JPEGs of 600x450, model at 224 px
#   PER_CLASS=400 SIZE=32 WORKERS=2 PIN_CORES=1 WORKER_FLAGS="--threads 1 --decode-threads 1" REPEAT=2 \
#     bench/infer_bench.sh                                # decode-bound scaling, one core per worker
set -euo pipefail
cd "$(dirname "$0")/.."
W=${BENCH_DIR:-/tmp/derm-infer-bench}
SIZE=${SIZE:-224}
PER_CLASS=${PER_CLASS:-45}  # images per class, 9 classes
SHARD=${SHARD:-256}
export WORKERS=${WORKERS:-1} WORKER_FLAGS=${WORKER_FLAGS:-}
D=build/client/dermctl
ARCHIVE=$W/archive-$PER_CLASS
mkdir -p "$W"
[ -d "$ARCHIVE/Train" ] || build/worker/derm-worker demo-data --out "$ARCHIVE" --train-per-class "$PER_CLASS" \
  --test-per-class 0 --size 600 --height 450 >&2
[ -d "$W/train/Train" ] || build/worker/derm-worker demo-data --out "$W/train" --train-per-class 4 \
  --test-per-class 0 --size 64 >&2

RUN=$W/run
deploy/local-cluster.sh start "$RUN" >&2
trap 'deploy/local-cluster.sh stop "$RUN"' EXIT
DERM_SERVER=$(cat "$RUN/address")
DERM_TOKEN=$(cat "$RUN/user.token")
export DERM_SERVER DERM_TOKEN

# The model: a one-epoch run at SIZE (the head's quality does not change the cost).
cat > "$W/train.yaml" <<YAML
kind: train
name: bench-model-$SIZE
data: {train_dir: $W/train/Train, image_size: [$SIZE, $SIZE]}
train: {epochs: 1}
YAML
run=$($D submit "$W/train.yaml" --wait | sed -n 's/.* run \([0-9]*\) .*/\1/p' | tail -1)
cat > "$W/infer.yaml" <<YAML
kind: infer
name: bench-infer
model: {run_id: $run}
input: {folder: $ARCHIVE}
infer: {shard_size: $SHARD, output_csv: $W/predictions.csv}
YAML
# REPEAT=2: the same job again on warm workers (the model and backbone are loaded once per worker).
for round in $(seq "${REPEAT:-1}"); do
  $D submit "$W/infer.yaml" --wait >&2
  job=$($D query "SELECT max(id) FROM jobs" -o csv | tail -1)
  $D query -o json "SELECT (SELECT sum(images) FROM shards WHERE job_id = $job) AS images,
    (SELECT max(time_ms) - min(time_ms) FROM events WHERE job_id = $job) / 1000.0 AS seconds_from_submit,
    ((SELECT max(time_ms) FROM events WHERE job_id = $job) -
     (SELECT min(time_ms) FROM events WHERE job_id = $job AND cause LIKE 'shard % leased%')) / 1000.0 AS seconds" |
    python3 -c '
import json, sys
r = json.load(sys.stdin)["rows"][0]["values"]
images, from_submit, s = int(r[0]), float(r[1]), float(r[2])
print(json.dumps({"round": '"$round"', "images": images, "size": '"$SIZE"', "workers": '"$WORKERS"',
                  "pinned": "'"${PIN_CORES:-0}"'" == "1", "worker_flags": "'"$WORKER_FLAGS"'", "seconds": s,
                  "img_per_s": round(images / s, 1), "img_per_s_from_submit": round(images / from_submit, 1)}))'
done
