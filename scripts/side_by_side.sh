#!/usr/bin/env bash
# Side by side in one run, on this machine: the seed stack (the original Python design, in
# ../shared/seed-stack) and each given payrange build, in the production topology (1 `serve`
# + 2 `worker` on the local PostgreSQL and RabbitMQ, fresh database and queue per run) and
# embedded (one `serve`, a fresh SQLite file), all loaded by the seed stack's own `load.sh`:
# wrk, one signed-in user, 50 real hh.ru vacancies (mean body 2.8 kB), submit-and-wait.
# Everything in one pass per round, ROUNDS rounds, so that ratios are taken within a round.
#
#   scripts/side_by_side.sh new=target/release/payrange old=/tmp/payrange-old
#
# Env: ROUNDS [1], MODES ["cluster embedded"], SEED [1] (0 = leave the seed stack out),
#      CONCURRENCY ["16 64"], DURATION [20s], SEQ_REQUESTS [0], OUT [/tmp/side-by-side-<time>],
#      any other load.sh variable. The seed stack must be set up once: ../shared/seed-stack/setup.sh.
# Prints every load.sh table row, labelled "<build>-<mode>" (or "seed"), then where the raw
# output is. Loopback only, bounded by DURATION per level.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SEED_DIR="${SEED_DIR:-$ROOT/../shared/seed-stack}"
OUT="${OUT:-/tmp/side-by-side-$(date +%Y%m%d-%H%M%S)}"
ROUNDS="${ROUNDS:-1}"
MODES="${MODES:-cluster embedded}"
SEED="${SEED:-1}"
PORT=18300
PG_ADMIN=postgres://postgres@127.0.0.1:5432/postgres
export CONCURRENCY="${CONCURRENCY:-16 64}" DURATION="${DURATION:-20s}"
export SEQ_REQUESTS="${SEQ_REQUESTS:-0}"
[ $# -gt 0 ] || { echo "usage: $0 LABEL=BINARY..." >&2; exit 2; }
mkdir -p "$OUT"

# What load.sh needs to know about payrange's API (see ../shared/seed-stack/README.md).
payrange_load() { # label base api_pids worker_pids
  BASE_URL="$2" PREDICT_PATH='/api/v1/predictions?wait=30' REGISTER_PATH=/api/v1/users \
    LOGIN_PATH=/api/v1/sessions LOGIN_CT=application/json \
    LOGIN_BODY='{"email":"%EMAIL%","password":"%PASSWORD%"}' TOKEN_FROM=json TOKEN_FIELD=token \
    BENCH_PASSWORD='load bench password 7731' API_PIDS="$3" WORKER_PIDS="$4" LABEL="$1" \
    OUT_DIR="$OUT/$1-r$round" "$SEED_DIR/load.sh" >"$OUT/$1-r$round.log" 2>&1
}

wait_ready() {
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/api/v1/health/ready" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 never became ready" >&2
  return 1
}

run_payrange() { # label binary mode
  local label="$1" bin="$2" mode="$3" dir tag pids=() serve workers=""
  dir=$(mktemp -d) tag="sbs$PORT"
  # Only the settings given here: the service refuses unknown PAYRANGE_* variables.
  local env=(env $(env | grep -o '^PAYRANGE_[A-Z_]*' | sed 's/^/-u /')
    PAYRANGE_TOKEN_KEY="$(printf '5a%.0s' {1..32})" PAYRANGE_SUBMIT_QUOTA=0 PAYRANGE_LOG=warn)
  if [ "$mode" = embedded ]; then
    env+=(PAYRANGE_DATABASE_URL="sqlite://$dir/p.db?mode=rwc")
  else
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $tag WITH (FORCE)" -qc "CREATE DATABASE $tag" >/dev/null
    rabbitmqctl -q delete_queue "$tag" >/dev/null 2>&1 || true
    rabbitmqctl -q delete_queue "$tag.dead" >/dev/null 2>&1 || true
    env+=(PAYRANGE_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$tag?sslmode=disable"
      PAYRANGE_AMQP_URL='amqp://guest:guest@127.0.0.1:5672/%2f' PAYRANGE_AMQP_QUEUE="$tag")
    "${env[@]}" "$bin" migrate >"$dir/migrate.log" 2>&1
  fi
  "${env[@]}" PAYRANGE_BIND="127.0.0.1:$PORT" "$bin" serve >"$dir/serve.log" 2>&1 &
  serve=$!
  pids+=("$serve")
  if [ "$mode" != embedded ]; then
    for i in 0 1; do
      "${env[@]}" PAYRANGE_WORKER_BIND="127.0.0.1:$((PORT + 10 + i))" "$bin" worker >"$dir/worker-$i.log" 2>&1 &
      pids+=("$!")
      workers="$workers $!"
    done
  fi
  wait_ready "$PORT"
  payrange_load "$label-$mode" "http://127.0.0.1:$PORT" "$serve" "${workers# }" \
    || echo "load failed: $OUT/$label-$mode-r$round.log" >&2
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  if [ "$mode" != embedded ]; then
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $tag WITH (FORCE)" >/dev/null
    rabbitmqctl -q delete_queue "$tag" >/dev/null 2>&1 || true
    rabbitmqctl -q delete_queue "$tag.dead" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

run_seed() {
  ML_WORKERS=2 AUTH_DB_SESSION=short "$SEED_DIR/start.sh" app >"$OUT/seed-start-r$round.log" 2>&1
  LABEL=seed OUT_DIR="$OUT/seed-r$round" "$SEED_DIR/load.sh" >"$OUT/seed-r$round.log" 2>&1 \
    || echo "seed load failed: $OUT/seed-r$round.log" >&2
  "$SEED_DIR/stop.sh" app >/dev/null 2>&1 || true
}

for round in $(seq "$ROUNDS"); do
  [ "$SEED" = 1 ] && run_seed
  for mode in $MODES; do
    for build in "$@"; do
      run_payrange "${build%%=*}" "${build#*=}" "$mode"
    done
  done
done
grep -h '^| ' "$OUT"/*/summary.txt 2>/dev/null | grep -v '^| config\|^|---' | sort -s -t'|' -k2,2
echo "raw output: $OUT"
