#!/usr/bin/env bash
# Starts one engine worker, the HTTP API (port MAILROOM_API_PORT, 8503) and the Streamlit app on
# the same store; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/python -m engine worker &
worker=$!
.venv/bin/python -m engine api &
api=$!

stop_engine() {
  trap - EXIT INT TERM
  kill -TERM "$worker" "$api" 2>/dev/null || true
  wait "$worker" "$api" 2>/dev/null || true
}
trap stop_engine EXIT INT TERM

.venv/bin/streamlit run app.py --server.port "${MAILROOM_PORT:-8501}" --server.headless true
