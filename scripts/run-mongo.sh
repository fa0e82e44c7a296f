#!/usr/bin/env bash
# `make run-mongo`: a local secantusdb server (a MongoDB speaking the wire protocol, from
# requirements-dev.txt; data kept in data/secantus), then the app and one worker on it, as
# `make run` does on SQLite. Ctrl-C stops all three. For trying the MongoDB backend only:
# production points MONGODB_URI at a replica set (README: Production on MongoDB).
set -euo pipefail
cd "$(dirname "$0")/.."

port="${MAILROOM_MONGODB_PORT:-27817}"
# Its own session: a Ctrl-C reaches the app and the worker, which stop first; then the trap
# stops the server, so the worker can still sign off.
coproc server { exec setsid .venv/bin/python -m bench.mongo --storage data/secantus --port "$port"; }
server_pid=$server_PID

stop_server() {
  trap - EXIT INT TERM
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
trap stop_server EXIT INT TERM

read -r uri <&"${server[0]}"
echo "MongoDB (secantusdb) on $uri, data in data/secantus"
export MONGODB_URI="$uri"
.venv/bin/python -m engine setup
bash scripts/run.sh
