"""The live stream: changes read from the store, filtered by workflow, resumed by Last-Event-ID."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from engine.models import ExecutionLog
from engine.service import Mailroom, Role
from tests.engine.api.conftest import Bearer
from tests.engine.api.test_end_to_end import read_events


def test_the_stream_shows_changes_by_workflow_and_resumes_after_the_last_event(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    now = mailroom.service.clock()
    for index, workflow_id in enumerate(("wf_a", "wf_b", "wf_a", "wf_a")):
        mailroom.store.create_execution(
            ExecutionLog(
                execution_id=f"exe_{index}",
                workflow_id=workflow_id,
                workflow_version=1,
                email_id=f"eml_{index}",
                updated_at=now + timedelta(milliseconds=index),
            )
        )
    headers = token_for(Role.ANALYST)
    since = (now - timedelta(seconds=1)).isoformat()
    events = read_events(client, headers, workflow_id="wf_a", since=since)
    assert [e["data"]["execution_id"] for e in events] == ["exe_0", "exe_2", "exe_3"]
    assert {e["event"] for e in events} == {"execution"}
    assert len({e["id"] for e in events}) == 3

    resumed = client.stream(
        "GET",
        "/api/v1/stream",
        params={"workflow_id": "wf_a"},
        headers={**headers, "Last-Event-ID": events[0]["id"]},
    )
    with resumed as response:
        text = response.read().decode()
    assert "exe_0" not in text and "exe_2" in text and "exe_3" in text

    client.post("/api/v1/executions/exe_0/pause", headers=token_for(Role.AGENT))
    after = client.stream(
        "GET",
        "/api/v1/stream",
        params={"workflow_id": "wf_a"},
        headers={**headers, "Last-Event-ID": events[-1]["id"]},
    )
    with after as response:
        text = response.read().decode()
    assert '"execution_id": "exe_0", "workflow_id": "wf_a"' in text and '"paused"' in text
    assert "exe_2" not in text and "exe_3" not in text


def test_a_last_event_id_the_stream_never_sent_is_422(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    response = client.get(
        "/api/v1/stream", headers={**token_for(Role.AGENT), "Last-Event-ID": "yesterday"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
