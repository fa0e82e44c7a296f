#!/usr/bin/env bash
# The README's HTTP API walk-through, run for real on a fresh data folder: starts the API and a
# worker, prints each command and what it answered, and stops both at the end. The outputs in
# the README's "HTTP API" section come from this script.
#   bash scripts/api_walkthrough.sh    (MAILROOM_API_PORT: another port than 8503)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d -t mailroom-walk-XXXXXX)
cd "$WORK"
export MAILROOM_DATA_DIR="$WORK/data" MAILROOM_API_PORT="${MAILROOM_API_PORT:-8503}"
export PYTHONPATH="$ROOT"
PY="$ROOT/.venv/bin/python"
python() { "$PY" "$@"; }
export MAILROOM_IMAP_PASSWORD=walkthrough-imap-password
show() { echo; echo "\$ $1"; eval "$1"; }
API=http://127.0.0.1:$MAILROOM_API_PORT/api/v1
stop() {
  for pid in "$WORK/worker.pid" "$WORK/api.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null && wait "$(cat "$pid")" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap stop EXIT
python - <<'PYTHON'
import json
from tests.engine.api.payloads import CUSTOMER_EMAIL, support_workflow

workflow = support_workflow(
    workflow_id="refunds", name="Refunds", description="Refund requests, answered after an agent approves"
)
open("workflow.json", "w").write(json.dumps(workflow, indent=1))
open("email.json", "w").write(json.dumps(CUSTOMER_EMAIL, indent=1))
PYTHON
show 'python -m engine setup --skip-model 2> /dev/null   # stderr: the first accounts and their passwords'
echo; echo "\$ python -m engine api &    # API=$API"
"$PY" -m engine api > "$WORK/api.log" 2>&1 &
echo $! > "$WORK/api.pid"
for _ in $(seq 120); do curl -s "$API/health" > /dev/null && break; sleep 1; done

echo; echo '$ TOKEN=$(python -m engine tokens create crm-sync --role manager --expires 90)'
TOKEN=$(python -m engine tokens create crm-sync --role manager --expires 90)
echo "(\$TOKEN: ${TOKEN:0:4}… ${#TOKEN} characters)"
echo; echo '$ AGENT=$(python -m engine tokens create agent-desk --role agent)'
AGENT=$(python -m engine tokens create agent-desk --role agent)
show 'python -m engine tokens list'
show 'curl -s -X POST $API/workflows/customer-support/deactivate -H "Authorization: Bearer $TOKEN" | jq -c "{workflow_id, status}"'

echo; echo '$ python -m engine worker &'
"$PY" -m engine worker > "$WORK/worker.log" 2>&1 &
echo $! > "$WORK/worker.pid"

show 'curl -s -X POST $API/workflows -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d @workflow.json | jq -c "{workflow_id, version, status, nodes: [.visual_data.nodes[].node_id]}"'
show 'curl -s -X POST $API/workflows/refunds/activate -H "Authorization: Bearer $TOKEN" | jq -c "{workflow_id, version, status}"'
SINCE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo; echo "\$ SINCE=\$(date -u +%Y-%m-%dT%H:%M:%SZ)    # $SINCE"
show 'curl -s -X POST $API/workflows/refunds/run -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d @email.json | jq -c "{execution_id, status}"'
show 'curl -s -X POST $API/workflows/refunds/run -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d @email.json | jq -c "{execution_id, status}"'
show 'curl -sN --max-time 60 "$API/stream?workflow_id=refunds&since=$SINCE" -H "Authorization: Bearer $AGENT" | tee stream1.txt | grep -v "^$"'
APPROVAL=$(grep -A2 "^event: approval" stream1.txt | sed -n 's/^data: //p' | jq -r .approval_id | tail -n 1)
LAST=$(grep "^id: " stream1.txt | tail -n 1 | cut -c5-)
EXECUTION=$(sed -n 's/^data: //p' stream1.txt | jq -r .execution_id | tail -n 1)
echo; echo "\$ APPROVAL=$APPROVAL; LAST=\"$LAST\"; EXECUTION=$EXECUTION   # from the stream"
show 'curl -s $API/approvals/$APPROVAL -H "Authorization: Bearer $AGENT" | jq -c "{status, category: .classification.category, subject: .draft.subject, draft: .draft.body[:80]}"'
show 'curl -s -X POST $API/approvals/$APPROVAL/reassign -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d "{\"assignee\": \"agent\"}" | jq -c "{approval_id, status, assigned_to}"'
show 'curl -sN --max-time 5 "$API/stream?workflow_id=refunds" -H "Authorization: Bearer $AGENT" -H "Last-Event-ID: $LAST" | tee stream2.txt | grep -v "^$"'
LAST=$(grep "^id: " stream2.txt | tail -n 1 | cut -c5-)
echo; echo "\$ LAST=\"$LAST\""
show 'curl -s -X POST $API/approvals/$APPROVAL/approve -H "Authorization: Bearer $AGENT" -H "Content-Type: application/json" -d "{\"body\": \"Hello Dana,\\n\\nWe refunded the second charge of order 1234; it reaches your card in 3-5 days.\\n\\nThe support team\"}" | jq -c "{approval_id, status, edited, decided_by}"'
show 'curl -s -X POST $API/approvals/$APPROVAL/approve -H "Authorization: Bearer $AGENT"; echo'
show 'curl -sN --max-time 20 "$API/stream?workflow_id=refunds" -H "Authorization: Bearer $AGENT" -H "Last-Event-ID: $LAST" | grep -v "^$"'
show 'curl -s $API/executions/$EXECUTION -H "Authorization: Bearer $AGENT" | jq -c "{status, nodes: [.node_executions[] | {(.node_id): .status}] | add, sent: (.node_executions[] | select(.node_id == \"send\") | .output_data.sent)}"'
show 'ls $MAILROOM_DATA_DIR/outbox/ | wc -l; cat $MAILROOM_DATA_DIR/outbox/*.eml'
show 'python -m engine status'
show 'curl -s -X POST $API/connections/test -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d "{\"kind\": \"sender\"}" | jq -c "{ok, target, detail}"'
show 'curl -s -X POST $API/connections/test -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d "{\"kind\": \"mailbox\", \"config\": {\"source\": \"imap\", \"host\": \"127.0.0.1\", \"port\": 1143, \"security\": \"none\", \"username\": \"support\"}}" | jq -c "{ok, stage, detail}"'
show 'curl -s -X POST $API/workflows -H "Authorization: Bearer $AGENT" -H "Content-Type: application/json" -d @workflow.json; echo'
show 'curl -s -X POST $API/workflows/refunds/run -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d "{\"from_address\": \"dana@example.com\", \"body_text\": \"hi\", \"colour\": \"red\"}"; echo'
show 'python -m engine tokens revoke crm-sync'
show 'curl -s -i -X POST $API/workflows/refunds/deactivate -H "Authorization: Bearer $TOKEN" | grep -iv "^date\|^server\|^content-length"; echo'
show 'python -m engine tokens list'
