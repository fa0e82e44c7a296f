#!/usr/bin/env bash
# Builds the container images, starts compose.yaml's stack and checks every service answers: the
# app's and the API's health endpoints, the worker's and the intake's probes, a demo email reaching
# a draft, the draft approved through the API and sent once, a webhook stored by the intake, the
# worker killed and restarted, and (where Debian's chromium and playwright are installed) a person
# signing in and opening the queue. Then it removes the stack's containers, volumes and network
# (--keep leaves them running).
#
#   bash scripts/containers_smoke.sh [--keep]
#
# Not part of `make test`: it needs root, podman, podman-compose, debootstrap and runc
# (apt-get install podman podman-compose buildah debootstrap runc) and takes minutes, the first
# build tens of minutes. It uses its own env file with fresh secrets (never deploy/mailroom.env),
# its own project name and host ports 18501-18503, so it disturbs no other stack. podman reads
# deploy/containers.conf (set CONTAINERS_CONF to use another; README: Containers).
set -euo pipefail
cd "$(dirname "$0")/.."

project="${MAILROOM_SMOKE_PROJECT:-mailroom-smoke}"
export MAILROOM_PUBLISH_APP_PORT="${MAILROOM_PUBLISH_APP_PORT:-18501}"
export MAILROOM_PUBLISH_INTAKE_PORT="${MAILROOM_PUBLISH_INTAKE_PORT:-18502}"
export MAILROOM_PUBLISH_API_PORT="${MAILROOM_PUBLISH_API_PORT:-18503}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/containers.conf}"
keep=false
[ "${1:-}" = "--keep" ] && keep=true
started=$SECONDS
work="$(mktemp -d /tmp/mailroom-containers-smoke.XXXXXX)"

step() { printf '\n== [%4d s] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
  echo "FAILED: $*" >&2
  exit 1
}
compose() { podman-compose -p "$project" "$@" >>"$work/compose.log" 2>&1; }
name() { echo "${project}_$1_1"; }

for tool in podman podman-compose debootstrap; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (apt-get install podman podman-compose buildah debootstrap runc)"
done
if grep -q '^runtime = "runc"' "$CONTAINERS_CONF" 2>/dev/null && ! command -v runc >/dev/null; then
  fail "$CONTAINERS_CONF asks for runc, which is not installed (apt-get install runc)"
fi

remove_stack() {
  compose down -v || true
  podman network rm -f "${project}_default" >/dev/null 2>&1 || true
}
finish() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo "--- last lines of podman-compose's output ($work/compose.log):" >&2
    tail -n 20 "$work/compose.log" >&2 || true
  fi
  if $keep; then
    echo "kept: podman-compose -p $project down -v removes the stack; env file $work/mailroom.env"
  else
    remove_stack
    rm -rf "$work"
  fi
  exit "$status"
}
trap finish EXIT

# Waits until the service's container healthcheck passes (podman runs it on demand here: its
# periodic runs need systemd, which this kind of host may not have).
wait_healthy() {
  local service=$1 limit=$2 deadline=$((SECONDS + $2)) state
  while ! podman healthcheck run "$(name "$service")" >/dev/null 2>&1; do
    state="$(podman inspect --format '{{.State.Status}}' "$(name "$service")" 2>/dev/null || echo missing)"
    if [ "$state" != "running" ] || [ "$SECONDS" -gt "$deadline" ]; then
      podman logs --tail 30 "$(name "$service")" >&2 || true
      fail "$service is not healthy after ${limit} s (container $state)"
    fi
    sleep 3
  done
  echo "$service: healthy (at $((SECONDS - started)) s)"
}

status_field() {
  podman exec "$(name worker)" python -m engine status |
    python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"
}

wait_for() {
  local field=$1 minimum=$2 limit=$3 deadline=$((SECONDS + $3)) value
  while :; do
    value="$(status_field "$field")"
    [ "$value" -ge "$minimum" ] && break
    [ "$SECONDS" -gt "$deadline" ] && fail "$field is $value after ${limit} s (wanted >= $minimum)"
    sleep 5
  done
  echo "$field: $value"
}

step "base image (debootstrap; kept when it exists)"
bash deploy/debian-base.sh

step "build localhost/mailroom:dev and localhost/mailroom-devdb:dev"
build_args=(--format docker)
# A proxy's CA bundle for pip, as a build secret (never in a layer).
if [ -n "${PIP_CERT:-}" ] && [ -f "$PIP_CERT" ]; then
  build_args+=(--secret "id=pip-ca,src=$PIP_CERT")
fi
podman build "${build_args[@]}" -t localhost/mailroom:dev -f Containerfile . >"$work/build.log" 2>&1 ||
  { tail -n 30 "$work/build.log"; fail "podman build (app image)"; }
podman build "${build_args[@]}" --target devdb -t localhost/mailroom-devdb:dev -f Containerfile . \
  >>"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; fail "podman build (devdb image)"; }
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^localhost/(mailroom|debian-base)'
# Nothing secret in the image's environment; the service user is not root.
if podman image inspect localhost/mailroom:dev --format '{{range .Config.Env}}{{println .}}{{end}}' |
  grep -E '(SECRET|TOKEN|PASSWORD|_KEY)='; then
  fail "the image's environment holds a secret"
fi
echo "image user: $(podman image inspect localhost/mailroom:dev --format '{{.Config.User}}')"

step "env file with fresh secrets: $work/mailroom.env"
cp deploy/mailroom.env.example "$work/mailroom.env"
python3 - >>"$work/mailroom.env" <<'PY'
import base64, secrets
print("MAILROOM_SESSION_SECRET=" + secrets.token_urlsafe(48))
print("MAILROOM_INTAKE_TOKEN=" + secrets.token_urlsafe(32))
print("MAILROOM_ENCRYPTION_KEY=" + base64.b64encode(secrets.token_bytes(32)).decode())
PY
chmod 600 "$work/mailroom.env"
export MAILROOM_ENV_FILE="$work/mailroom.env"
intake_token="$(sed -n 's/^MAILROOM_INTAKE_TOKEN=//p' "$work/mailroom.env")"

step "start mongodb"
remove_stack
compose up -d mongodb
wait_healthy mongodb 120

step "python -m engine setup (passwords masked)"
podman-compose -p "$project" run --rm app python -m engine setup 2>>"$work/compose.log" |
  sed -E 's/^(  (admin|manager|agent|analyst) +).*/\1********/' | grep -v -E "^(\['podman'|podman |exit code)" |
  tee "$work/setup.log"
grep -q '"setup": "ok"' "$work/setup.log" || fail "engine setup"

step "start app, worker, api, intake"
compose up -d
for service in app worker api intake; do wait_healthy "$service" 300; done
podman ps --filter "label=io.podman.compose.project=$project" --format '{{.Names}}  {{.Status}}  {{.Ports}}'
echo "app runs as: $(podman exec "$(name app)" id)"

step "health from the host"
curl -fsS -w '  HTTP %{http_code}\n' "http://127.0.0.1:$MAILROOM_PUBLISH_APP_PORT/_stcore/health"
curl -fsS -w '  HTTP %{http_code}\n' "http://127.0.0.1:$MAILROOM_PUBLISH_API_PORT/api/v1/health"
curl -fsS -w '  HTTP %{http_code}\n' "http://127.0.0.1:$MAILROOM_PUBLISH_INTAKE_PORT/healthz"
curl -fsS -o /dev/null -w 'app page /  HTTP %{http_code}\n' "http://127.0.0.1:$MAILROOM_PUBLISH_APP_PORT/"
podman exec "$(name worker)" python /opt/mailroom/healthcheck.py
podman exec -e MAILROOM_HEALTHCHECK_URL=http://127.0.0.1:9464/readyz "$(name worker)" \
  python /opt/mailroom/healthcheck.py

step "a demo email reaches a draft"
wait_for approvals_pending 1 300

step "the draft approved through the API, sent once"
api_token="$(podman exec "$(name app)" python -m engine tokens create smoke --role agent 2>/dev/null | tail -n 1)"
api="http://127.0.0.1:$MAILROOM_PUBLISH_API_PORT/api/v1"
approval="$(curl -fsS -H "Authorization: Bearer $api_token" "$api/approvals?limit=1" |
  python3 -c "import json, sys; a = json.load(sys.stdin)[0]; print(a['approval_id']); print('draft:', a['draft']['subject'], file=sys.stderr)")"
curl -fsS -o /dev/null -w "approve $approval  HTTP %{http_code}\n" -X POST \
  -H "Authorization: Bearer $api_token" "$api/approvals/$approval/approve"
wait_for replies_sent 1 120
echo "demo outbox: $(podman exec "$(name worker)" sh -c 'ls /var/lib/mailroom/data/outbox | wc -l') .eml file(s)"

step "a webhook through the intake"
cat >"$work/inbound.eml" <<'MAIL'
From: Smoke Test <smoke@customer.example>
To: support@mailroom.example
Subject: Containers smoke test
Message-ID: <containers-smoke@customer.example>
Date: Tue, 08 Dec 2026 00:00:00 +0000
Content-Type: text/plain; charset=utf-8

Hello, where is my order?
MAIL
intake="http://127.0.0.1:$MAILROOM_PUBLISH_INTAKE_PORT/intake/sendgrid/support@mailroom.example"
code="$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' \
  -F "email=@$work/inbound.eml" "$intake")"
echo "wrong token: HTTP $code"
[ "$code" = 401 ] || fail "the intake answered $code to a wrong token (wanted 401)"
emails_before="$(status_field emails)"
stored="$(curl -fsS -H "Authorization: Bearer $intake_token" -F "email=@$work/inbound.eml" "$intake")"
echo "right token: $stored"
grep -q '"ingested"' <<<"$stored" || fail "the intake did not store the message"
wait_for emails "$((emails_before + 1))" 30

step "the worker killed (SIGKILL from the host): restart: unless-stopped brings it back"
restarts="$(podman inspect --format '{{.RestartCount}}' "$(name worker)")"
kill -KILL "$(podman inspect --format '{{.State.Pid}}' "$(name worker)")"
deadline=$((SECONDS + 120))
until [ "$(podman inspect --format '{{.RestartCount}}' "$(name worker)")" -gt "$restarts" ]; do
  [ "$SECONDS" -gt "$deadline" ] && fail "the killed worker was not restarted within 120 s"
  sleep 2
done
wait_healthy worker 300
echo "worker restarts: $(podman inspect --format '{{.RestartCount}}' "$(name worker)")"
podman exec "$(name worker)" python -c \
  "import urllib.request as u; print(u.urlopen('http://127.0.0.1:9464/healthz').read().decode())"
wait_for workers_alive 1 60

if [ -x /usr/bin/chromium ] && .venv/bin/python -c 'import playwright' 2>/dev/null; then
  step "a person signs in through Debian's chromium and opens the queue"
  password="$(podman exec "$(name app)" python -m engine users add smoke-agent --role agent |
    sed -n 's/.*(shown once): //p')"
  MAILROOM_CHECK_PASSWORD="$password" .venv/bin/python scripts/containers_browser_check.py \
    --url "http://127.0.0.1:$MAILROOM_PUBLISH_APP_PORT" --name smoke-agent \
    --screenshot artifacts/containers/approvals.png
else
  step "skipped the browser check: no /usr/bin/chromium or no playwright in .venv"
fi

step "containers smoke: all checks passed"
