#!/usr/bin/env bash
# Starts one engine worker and the Streamlit app on the same store; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/python -m engine worker &
worker=$!

stop_worker() {
  trap - EXIT INT TERM
  kill -TERM "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop_worker EXIT INT TERM

.venv/bin/streamlit run app.py --server.port "${MAILROOM_PORT:-8501}" --server.headless true
