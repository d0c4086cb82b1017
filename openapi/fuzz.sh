#!/usr/bin/env bash
# Fuzzes the live API with Schemathesis against the committed openapi/openapi.json: all
# checks, all phases (stateful sequences follow the spec's links), authenticated through
# openapi/hooks.py, configured by openapi/schemathesis.toml. Builds the debug binary, starts
# `payrange serve` on a free loopback port with a fresh SQLite database, runs Schemathesis,
# stops the server. Exits non-zero on any failure, warning, or server panic.
#
# Usage: openapi/fuzz.sh [extra schemathesis run options, e.g. --seed 1 -n 200]
# See openapi/lib.sh for OPENAPI_VENV and OPENAPI_BIN.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

setup_venv
build_binary
trap stop_server EXIT
# The fuzzer is one client on one address: it fails sign-ins by the hundred (random
# credentials), and submits predictions faster than a person. Lift the per-address sign-in
# throttle, the sign-up limit (the hooks register a fresh user for every password change) and
# the submission quota, or most requests would test the 429 answer (itself covered by the API
# tests) instead of the handlers. The per-account throttle stays on: the
# hooks keep failing attempts away from the account they sign in with. The try quota
# (`POST /estimates` without an account, 5 an hour per address) is lifted for the same reason.
start_server PAYRANGE_SIGNIN_MAX_FAILURES_PER_ADDRESS=0 PAYRANGE_SUBMIT_QUOTA=0 PAYRANGE_SIGNUP_MAX_PER_ADDRESS=0 PAYRANGE_TRY_QUOTA=0
echo "payrange serve at $BASE_URL (log: $SERVER_LOG)"
# The administrator the admin operations run as (openapi/hooks.py), made the way an operator
# makes one.
export FUZZ_ADMIN_EMAIL="fuzz-admin@example.com"
export FUZZ_ADMIN_PASSWORD="fuzzing the admin endpoints for real"
printf '%s\n' "$FUZZ_ADMIN_PASSWORD" \
  | PAYRANGE_DATABASE_URL="sqlite://$SERVER_DIR/payrange.db?mode=rwc" PAYRANGE_LOG=warn \
    "$OPENAPI_BIN" admin create-user --email "$FUZZ_ADMIN_EMAIL" --admin

status=0
FUZZ_BASE_URL="$BASE_URL" schemathesis --no-color \
  --config-file openapi/schemathesis.toml \
  run openapi/openapi.json --url "$BASE_URL" "$@" || status=$?
check_server_log || status=1
exit "$status"
