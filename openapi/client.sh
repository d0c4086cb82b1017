#!/usr/bin/env bash
# Generates the Python client from the committed openapi/openapi.json with
# openapi-python-client (failing on any warning: a spec the generator cannot fully read is a
# bug to fix in the Rust code that produces it), installs it into the venv, starts
# `payrange serve` on a free loopback port and runs openapi/client_example.py against it.
# The client is generated into a temporary directory and never committed.
#
# Usage: openapi/client.sh
# See openapi/lib.sh for OPENAPI_VENV and OPENAPI_BIN.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

setup_venv
GEN_DIR="$(mktemp -d)"
cleanup() {
  stop_server
  rm -rf "$GEN_DIR"
}
trap cleanup EXIT

openapi-python-client generate --path openapi/openapi.json --config openapi/client-config.yaml \
  --output-path "$GEN_DIR/payrange-client" --fail-on-warning
# poetry-core (pinned in requirements.txt) builds it: no build isolation, so nothing unpinned
# is fetched.
python -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps \
  --force-reinstall "$GEN_DIR/payrange-client"

build_binary
start_server
echo "payrange serve at $BASE_URL (log: $SERVER_LOG)"
python openapi/client_example.py "$BASE_URL"
check_server_log
