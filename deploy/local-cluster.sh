#!/usr/bin/env bash
# Starts the production topology natively (Docker cannot run on these machines): migrations,
# 2 `payrange serve` (ports BASE_PORT, BASE_PORT+1) and WORKERS (3) `payrange worker` against the local
# PostgreSQL and RabbitMQ, each with its own log in $CLUSTER_DIR. Prints the pids; `stop`
# stops them all (SIGTERM, graceful).
#
#   deploy/local-cluster.sh start   # env: PAYRANGE_BIN, CLUSTER_DIR, BASE_PORT, DB_NAME, QUEUE, WORKERS
#   deploy/local-cluster.sh stop
set -euo pipefail
BIN=${PAYRANGE_BIN:-target/release/payrange}
unset PAYRANGE_BIN # not a setting: the service refuses unknown PAYRANGE_* variables
DIR=${CLUSTER_DIR:-/tmp/payrange-cluster}
BASE_PORT=${BASE_PORT:-18100}
DB_NAME=${DB_NAME:-payrange_cluster}
QUEUE=${QUEUE:-payrange.cluster}
WORKERS=${WORKERS:-3}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
# No TLS to a database on the same machine (sqlx would use it if the server offers it, at a
# cost of a fifth of the throughput; docs/benchmarks-history.md): across machines use sslmode=verify-full.
export PAYRANGE_DATABASE_URL=${PAYRANGE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$DB_NAME?sslmode=disable}
export PAYRANGE_AMQP_URL=${PAYRANGE_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}
export PAYRANGE_AMQP_QUEUE=$QUEUE
export PAYRANGE_TOKEN_KEY=${PAYRANGE_TOKEN_KEY:-$(printf '5a%.0s' {1..32})}
export PAYRANGE_SUBMIT_QUOTA=${PAYRANGE_SUBMIT_QUOTA:-0}

start() {
  mkdir -p "$DIR"
  psql "$PG_ADMIN" -qtc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 \
    || psql "$PG_ADMIN" -qc "CREATE DATABASE $DB_NAME"
  "$BIN" migrate
  for i in 0 1; do
    PAYRANGE_BIND=127.0.0.1:$((BASE_PORT + i)) "$BIN" serve >"$DIR/serve-$i.log" 2>&1 &
    echo $! >"$DIR/serve-$i.pid"
  done
  for i in $(seq 0 $((WORKERS - 1))); do
    PAYRANGE_WORKER_BIND=127.0.0.1:$((BASE_PORT + 10 + i)) "$BIN" worker >"$DIR/worker-$i.log" 2>&1 &
    echo $! >"$DIR/worker-$i.pid"
  done
  for i in 0 1; do
    for _ in $(seq 100); do
      curl -fsS "http://127.0.0.1:$((BASE_PORT + i))/api/v1/health/ready" >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
  echo "serve: http://127.0.0.1:$BASE_PORT http://127.0.0.1:$((BASE_PORT + 1)); logs in $DIR"
}

stop() {
  for f in "$DIR"/*.pid; do
    [ -f "$f" ] || continue
    kill -TERM "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
