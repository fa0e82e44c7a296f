"""Over HTTP, end to end: token → workflow created → run on an email → the stream shows it
waiting for approval → approve → the reply is in the outbox once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from engine.adapters import ProviderSet
from engine.models import OutboxKind
from engine.service import Mailroom, Role
from engine.settings import Settings
from engine.worker import Worker
from tests.engine.api.conftest import Bearer
from tests.engine.api.payloads import CUSTOMER_EMAIL, support_workflow


def read_events(client: TestClient, headers: Bearer, **params: str) -> list[dict[str, Any]]:
    """Every event the stream sends before it ends (the test app ends it after a second)."""
    events: list[dict[str, Any]] = []
    with client.stream("GET", "/api/v1/stream", headers=headers, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event: dict[str, Any] = {}
        for line in response.iter_lines():
            if not line:
                if "event" in event:
                    events.append(event)
                event = {}
            elif line.startswith("id: "):
                event["id"] = line[4:]
            elif line.startswith("event: "):
                event["event"] = line[7:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
    return events


def test_token_to_sent_reply_over_http(
    client: TestClient,
    mailroom: Mailroom,
    providers: ProviderSet,
    settings: Settings,
    token_for: Callable[[Role], Bearer],
) -> None:
    manager, agent = token_for(Role.MANAGER), token_for(Role.AGENT)
    worker = Worker(mailroom.store, providers, settings)
    start = client.get("/api/v1/health").json()  # no token needed
    assert start["status"] in ("ok", "degraded")

    created = client.post("/api/v1/workflows", json=support_workflow(), headers=manager)
    assert created.status_code == 201 and created.json()["status"] == "off"
    off = client.post("/api/v1/workflows/wf_api/run", json=CUSTOMER_EMAIL, headers=manager)
    assert off.status_code == 409  # a workflow that is off does not run
    assert client.post("/api/v1/workflows/wf_api/activate", headers=manager).is_success

    since = mailroom.service.clock().isoformat()
    run = client.post("/api/v1/workflows/wf_api/run", json=CUSTOMER_EMAIL, headers=manager)
    assert run.status_code == 202, run.text
    execution_id = run.json()["execution_id"]
    again = client.post("/api/v1/workflows/wf_api/run", json=CUSTOMER_EMAIL, headers=manager)
    assert again.json()["execution_id"] == execution_id  # the same email runs once

    assert worker.run_pending() == 1
    events = read_events(client, agent, workflow_id="wf_api", since=since)
    mine = [e for e in events if e["data"]["execution_id"] == execution_id]
    assert [e["data"]["status"] for e in mine if e["event"] == "execution"][-1] == "waiting"
    [waiting] = [e for e in mine if e["event"] == "approval"]
    approval_id = waiting["data"]["approval_id"]
    assert read_events(client, agent, workflow_id="customer-support", since=since) == []

    detail = client.get(f"/api/v1/executions/{execution_id}", headers=agent).json()
    runs = {run["node_id"]: run["status"] for run in detail["node_executions"]}
    assert runs == {
        "trigger": "completed",
        "classify": "completed",
        "draft": "completed",
        "approval": "waiting",
    }
    queue = client.get("/api/v1/approvals", headers=agent).json()
    assert approval_id in [a["approval_id"] for a in queue]

    body = "Hello Dana,\n\nWe refunded the second charge of order 1234.\n\nThe support team"
    approved = client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={"body": body}, headers=agent
    )
    assert approved.status_code == 200 and approved.json()["edited"] is True
    twice = client.post(f"/api/v1/approvals/{approval_id}/approve", headers=agent)
    assert twice.status_code == 409
    assert "already approved" in twice.json()["detail"]

    # Resuming from the last event shows only what changed after it: the re-queued execution.
    resumed = read_events(client, agent, workflow_id="wf_api", since=since)
    last_seen = waiting["id"]
    after = client.stream("GET", "/api/v1/stream", headers={**agent, "Last-Event-ID": last_seen})
    with after as response:
        text = response.read().decode()
    assert f"id: {last_seen}\n" not in text and '"status": "pending"' in text
    assert any(e["data"]["status"] == "pending" for e in resumed)

    assert worker.run_pending() == 1
    assert worker.run_pending() == 0
    done = client.get(f"/api/v1/executions/{execution_id}", headers=agent).json()
    assert done["status"] == "completed"
    replies = [
        r for r in mailroom.store.list_outbox(OutboxKind.REPLY) if r.execution_id == execution_id
    ]
    assert len(replies) == 1
    assert replies[0].body == body and replies[0].to == "dana@example.com"
