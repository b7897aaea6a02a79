#!/usr/bin/env bash
# A local derm cluster: one derm-scheduler (SQLite results database, loopback, a free port) and
# WORKERS derm-workers (default 1, each started with WORKER_FLAGS; PIN_CORES=1 puts worker i on
# core i-1 alone), with logs and pid files in RUN_DIR.
#   deploy/local-cluster.sh start RUN_DIR   # writes RUN_DIR/address and RUN_DIR/http-address
#                                           # (HOST:PORT of gRPC and of /metrics, /healthz)
#   deploy/local-cluster.sh stop RUN_DIR
# Tokens (docs/security.md), all mode 0600 in RUN_DIR: admin.token (the new database's admin),
# worker.token (role worker, for the workers) and user.token (role editor, for you: export
# DERM_TOKEN=$(cat RUN_DIR/user.token) or pass dermctl --token-file RUN_DIR/user.token).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:?usage: local-cluster.sh start|stop RUN_DIR}
RUN_DIR=${2:?usage: local-cluster.sh start|stop RUN_DIR}
BIN=${BIN:-build}
WORKERS=${WORKERS:-1}
WORKER_FLAGS=${WORKER_FLAGS:-}

stop() {
  for pidfile in "$RUN_DIR"/worker*.pid "$RUN_DIR/scheduler.pid"; do
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$pidfile"
    fi
  done
}

case "$cmd" in
  start)
    mkdir -p "$RUN_DIR/exports"
    stop
    "$BIN/scheduler/derm-scheduler" --db "$RUN_DIR/results.db" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
      --export-dir "$RUN_DIR/exports" --admin-token-file "$RUN_DIR/admin.token" \
      > "$RUN_DIR/scheduler.out" 2> "$RUN_DIR/scheduler.log" &
    echo $! > "$RUN_DIR/scheduler.pid"
    for _ in $(seq 100); do
      grep -q "listening on" "$RUN_DIR/scheduler.out" 2>/dev/null && break
      kill -0 "$(cat "$RUN_DIR/scheduler.pid")" 2>/dev/null || { cat "$RUN_DIR/scheduler.log" >&2; exit 1; }
      sleep 0.1
    done
    address=$(sed -n 's/^derm-scheduler listening on //p' "$RUN_DIR/scheduler.out")
    [ -n "$address" ] || { echo "local-cluster: the scheduler did not start" >&2; exit 1; }
    echo "$address" > "$RUN_DIR/address"
    sed -n 's/^derm-scheduler http on //p' "$RUN_DIR/scheduler.out" > "$RUN_DIR/http-address"
    # Tokens made once per database, by its admin.
    (
      umask 077
      for t in worker:worker "user:editor"; do
        file="$RUN_DIR/${t%%:*}.token"
        [ -s "$file" ] && continue
        user=$([ "${t%%:*}" = worker ] && echo local-worker || id -un | tr -c 'A-Za-z0-9._@\n-' _)
        "$BIN/client/dermctl" --server "$address" --token-file "$RUN_DIR/admin.token" \
          token create --user "$user" --role "${t##*:}" > "$file.new" 2>/dev/null
        mv "$file.new" "$file"
      done
    )
    for i in $(seq "$WORKERS"); do
      # shellcheck disable=SC2086  # WORKER_FLAGS is a list of flags
      pin=()  # PIN_CORES=1: worker i runs on core i-1 alone (benchmarks of scaling)
      [ "${PIN_CORES:-0}" = 1 ] && pin=(taskset -c $(((i - 1) % $(nproc))))
      "${pin[@]}" "$BIN/worker/derm-worker" --scheduler "$address" --name "local-$i" \
        --token-file "$RUN_DIR/worker.token" $WORKER_FLAGS \
        > "$RUN_DIR/worker$i.out" 2> "$RUN_DIR/worker$i.log" &
      echo $! > "$RUN_DIR/worker$i.pid"
    done
    echo "local-cluster: scheduler on $address (dashboard: http://$(cat "$RUN_DIR/http-address")/, log in with $RUN_DIR/user.token), $WORKERS worker(s); logs in $RUN_DIR"
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: local-cluster.sh start|stop RUN_DIR" >&2
    exit 2
    ;;
esac
