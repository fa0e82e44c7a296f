"""Over HTTP, end to end: token → workflow created → run on an email → the stream shows it
waiting for approval → approve → the reply is in the outbox once; and the refusals on the way
(403 for an agent's token, 422 naming the field, 401 once revoked, 409 deciding twice)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from engine.adapters import ProviderSet
from engine.models import OutboxKind
from engine.service import Mailroom, Role
from engine.settings import Settings
from engine.worker import Worker
from tests.engine.api.conftest import ADMIN, Bearer
from tests.engine.api.payloads import CUSTOMER_EMAIL, support_workflow

Event = dict[str, Any]
#: How long a test follows the stream for what it waits for (a bound, never a measure).
FOLLOW_DEADLINE_SECONDS = 300.0


def read_events(
    client: TestClient,
    headers: Bearer,
    last_event_id: str | None = None,
    **params: str,
) -> list[Event]:
    """Every event one connection to the stream sends before it ends (the test app ends it
    after a second), resuming after ``last_event_id`` when given."""
    if last_event_id is not None:
        headers = {**headers, "Last-Event-ID": last_event_id}
    events: list[Event] = []
    with client.stream("GET", "/api/v1/stream", headers=headers, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event: Event = {}
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


def follow(
    client: TestClient,
    headers: Bearer,
    until: Callable[[list[Event]], bool],
    after: str | None = None,
    **params: str,
) -> list[Event]:
    """Follow the stream as a client does (from ``after``, an event id, when given),
    reconnecting with ``Last-Event-ID`` after each connection ends, until ``until(events)``
    holds; fail after the deadline."""
    events: list[Event] = []
    deadline = time.monotonic() + FOLLOW_DEADLINE_SECONDS
    while not until(events):
        assert time.monotonic() < deadline, f"not seen in the stream: {events}"
        last = events[-1]["id"] if events else after
        events += read_events(client, headers, last, **params)
    return events


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem document of ``response``, which must have ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = response.json()
    assert document["status"] == status
    return document


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

    # An agent may not create a workflow; a malformed one is refused naming the field.
    forbidden = problem(
        client.post("/api/v1/workflows", json=support_workflow(), headers=agent), 403
    )
    assert "may not edit workflow" in forbidden["detail"]
    nameless = support_workflow()
    del nameless["nodes"][1]["name"]
    malformed = problem(client.post("/api/v1/workflows", json=nameless, headers=manager), 422)
    assert [e["field"] for e in malformed["errors"]] == ["body.nodes.1.name"]
    assert "body.nodes.1.name" in malformed["detail"]
    assert client.get("/api/v1/workflows/wf_api", headers=manager).status_code == 404

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

    # The worker runs it while the agent follows the stream, until a draft waits.
    def approval_waits(events: list[Event]) -> bool:
        return any(
            e["event"] == "approval" and e["data"]["execution_id"] == execution_id for e in events
        )

    running = threading.Thread(target=worker.run_pending)
    running.start()
    try:
        events = follow(client, agent, approval_waits, workflow_id="wf_api", since=since)
    finally:
        running.join()
    mine = [e for e in events if e["data"]["execution_id"] == execution_id]
    assert [e["data"]["status"] for e in mine if e["event"] == "execution"][-1] == "waiting"
    [waiting] = [e for e in mine if e["event"] == "approval"]
    approval_id = waiting["data"]["approval_id"]
    assert waiting["data"]["status"] == "pending" and waiting["data"]["assigned_to"] is None
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

    # A reassignment shows in the stream too, after the event the agent saw last.
    reassigned = client.post(
        f"/api/v1/approvals/{approval_id}/reassign", json={"assignee": None}, headers=manager
    )
    assert reassigned.status_code == 200, reassigned.text
    moved = follow(
        client,
        agent,
        lambda found: any(e["event"] == "approval" for e in found),
        after=waiting["id"],
        workflow_id="wf_api",
    )
    assert [e["data"]["approval_id"] for e in moved if e["event"] == "approval"] == [approval_id]

    body = "Hello Dana,\n\nWe refunded the second charge of order 1234.\n\nThe support team"
    approved = client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={"body": body}, headers=agent
    )
    assert approved.status_code == 200 and approved.json()["edited"] is True
    twice = problem(client.post(f"/api/v1/approvals/{approval_id}/approve", headers=agent), 409)
    assert "already approved" in twice["detail"]
    rejected = client.post(
        f"/api/v1/approvals/{approval_id}/reject", json={"reason": "late"}, headers=manager
    )
    problem(rejected, 409)

    # Resuming from the last event shows only what changed after it: the re-queued execution.
    last_seen = moved[-1]["id"]
    requeued = read_events(client, agent, last_seen, workflow_id="wf_api")
    assert last_seen not in [e["id"] for e in requeued]
    assert [e["data"]["status"] for e in requeued] == ["pending"]

    assert worker.run_pending() == 1
    assert worker.run_pending() == 0
    done = client.get(f"/api/v1/executions/{execution_id}", headers=agent).json()
    assert done["status"] == "completed"
    replies = [
        r for r in mailroom.store.list_outbox(OutboxKind.REPLY) if r.execution_id == execution_id
    ]
    assert len(replies) == 1
    assert replies[0].body == body and replies[0].to == "dana@example.com"
    finished = read_events(client, agent, last_seen, workflow_id="wf_api")
    assert [e["data"]["status"] for e in finished][-1] == "completed"

    # Once revoked, the manager's token is refused: 401, and nothing it asks is done.
    mailroom.service.revoke_token(ADMIN, "manager-bot")
    revoked = problem(client.post("/api/v1/workflows/wf_api/deactivate", headers=manager), 401)
    assert "revoked" in revoked["detail"]
    assert client.get("/api/v1/workflows/wf_api", headers=agent).json()["status"] == "active"
