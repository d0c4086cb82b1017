# Shared by openapi/fuzz.sh and openapi/client.sh (sourced, not run): the Python venv, the
# debug build of `payrange`, and a throwaway server on a free loopback port.
#
# Environment:
#   OPENAPI_VENV   venv for the tools of openapi/requirements.txt
#                   (default: $HOME/.cache/payrange/openapi-venv)
#   OPENAPI_BIN    the binary to test; default: `cargo build -p payrange-app`, then
#                   target/debug/payrange (the build the tests use anyway: no release build).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OPENAPI_VENV="${OPENAPI_VENV:-$HOME/.cache/payrange/openapi-venv}"

# Creates the venv and installs the pinned tools (a no-op when they are there already); puts
# its bin/ first on PATH.
setup_venv() {
  if [ ! -x "$OPENAPI_VENV/bin/python" ]; then
    python3 -m venv "$OPENAPI_VENV"
  fi
  "$OPENAPI_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$ROOT/openapi/requirements.txt"
  export PATH="$OPENAPI_VENV/bin:$PATH"
}

# Sets OPENAPI_BIN, building the debug binary unless it was given.
build_binary() {
  if [ -z "${OPENAPI_BIN:-}" ]; then
    (cd "$ROOT" && cargo build -q -p payrange-app)
    OPENAPI_BIN="$ROOT/target/debug/payrange"
  fi
}

# start_server [NAME=VALUE...]: starts `payrange serve` (embedded mode: SQLite and its key in a
# fresh temporary directory) on 127.0.0.1:0 with the extra settings given, waits until it is
# ready, and sets SERVER_PID, SERVER_DIR, SERVER_LOG and BASE_URL (…/api/v1). Stopped (and its
# directory removed) by stop_server, which the caller traps on EXIT.
start_server() {
  SERVER_DIR="$(mktemp -d)"
  SERVER_LOG="$SERVER_DIR/server.log"
  (
    cd "$SERVER_DIR"
    exec env PAYRANGE_BIND=127.0.0.1:0 \
      PAYRANGE_DATABASE_URL="sqlite://$SERVER_DIR/payrange.db?mode=rwc" \
      PAYRANGE_LOG_FORMAT=json PAYRANGE_LOG=info "$@" "$OPENAPI_BIN" serve
  ) >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  local address=""
  for _ in $(seq 300); do
    address="$(grep '"payrange listening"' "$SERVER_LOG" | sed -n 's/.*"address":"\([0-9.:]*\)".*/\1/p' | head -1 || true)"
    [ -n "$address" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "payrange serve exited at start-up:" >&2
      cat "$SERVER_LOG" >&2
      return 1
    fi
    sleep 0.1
  done
  if [ -z "$address" ]; then
    echo "payrange serve did not start listening within 30 s:" >&2
    cat "$SERVER_LOG" >&2
    return 1
  fi
  BASE_URL="http://$address/api/v1"
  for _ in $(seq 100); do
    if python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
      "$BASE_URL/health/ready" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "payrange serve is not ready at $BASE_URL:" >&2
  cat "$SERVER_LOG" >&2
  return 1
}

# Stops the server started by start_server (SIGTERM, then SIGKILL after 15 s) and removes its
# directory. Safe to call when none was started.
stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 150); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  if [ -n "${SERVER_DIR:-}" ]; then
    rm -rf "$SERVER_DIR"
    SERVER_DIR=""
  fi
}

# Fails when the server logged a panic: a panicking background task answers no request, so
# only its log shows it.
check_server_log() {
  if grep -q "panicked" "$SERVER_LOG"; then
    echo "payrange serve panicked during the run:" >&2
    grep -n -A5 "panicked" "$SERVER_LOG" >&2
    return 1
  fi
}
