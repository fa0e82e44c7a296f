"""Errors as application/problem+json: 403, 404, 409, 413, 422 with field errors, 429."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from engine.service import Role
from providers.rate_limit import KeyedTokenBucket
from tests.engine.api.conftest import Bearer
from tests.engine.api.payloads import support_workflow


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("https://")
    return body


def test_an_agent_token_may_not_create_a_workflow(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    response = client.post(
        "/api/v1/workflows", json=support_workflow(), headers=token_for(Role.AGENT)
    )
    body = problem(response, 403)
    assert body["detail"] == "token:agent-bot (agent) may not edit workflow"
    listed = client.get("/api/v1/workflows", headers=token_for(Role.AGENT)).json()
    assert "wf_api" not in [w["workflow_id"] for w in listed]


def test_a_malformed_body_names_the_field(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    broken = support_workflow()
    broken["nodes"][0]["position"] = {"x": "left"}
    body = problem(
        client.post("/api/v1/workflows", json=broken, headers=token_for(Role.MANAGER)), 422
    )
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"body.nodes.0.position.x", "body.nodes.0.position.y"}


def test_an_unknown_field_is_refused(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    body = problem(
        client.post(
            "/api/v1/workflows",
            json=support_workflow(owner="me"),
            headers=token_for(Role.MANAGER),
        ),
        422,
    )
    assert [error["field"] for error in body["errors"]] == ["body.owner"]


def test_a_bad_node_setting_is_422_naming_the_node_and_setting(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    bad = support_workflow()
    bad["nodes"][3]["config"] = {"sla_hours": -1}
    body = problem(client.post("/api/v1/workflows", json=bad, headers=token_for(Role.MANAGER)), 422)
    assert [error["field"] for error in body["errors"]] == ["body.nodes.approval.config.sla_hours"]


def test_a_body_that_is_not_json_is_422(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    response = client.post(
        "/api/v1/workflows",
        content=b"{not json",
        headers={**token_for(Role.MANAGER), "Content-Type": "application/json"},
    )
    problem(response, 422)


def test_missing_things_are_404(client: TestClient, token_for: Callable[[Role], Bearer]) -> None:
    headers = token_for(Role.MANAGER)
    for path in (
        "/api/v1/workflows/nope",
        "/api/v1/workflows/customer-support/versions/99",
        "/api/v1/executions/exe_nope",
        "/api/v1/approvals/apr_nope",
        "/api/v1/node-types/nope",
        "/api/v1/no-such-route",
    ):
        problem(client.get(path, headers=headers), 404)
    problem(client.post("/api/v1/approvals/apr_nope/approve", headers=headers), 404)
    problem(client.post("/api/v1/executions/exe_nope/pause", headers=headers), 404)


def test_creating_a_taken_id_and_editing_a_stale_version_are_409(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    headers = token_for(Role.MANAGER)
    assert client.post("/api/v1/workflows", json=support_workflow(), headers=headers).is_success
    problem(client.post("/api/v1/workflows", json=support_workflow(), headers=headers), 409)
    edit = support_workflow(name="Renamed", base_version=1, change="rename")
    del edit["workflow_id"]
    assert client.put("/api/v1/workflows/wf_api", json=edit, headers=headers).json()["version"] == 2
    stale = problem(client.put("/api/v1/workflows/wf_api", json=edit, headers=headers), 409)
    assert "version 2, not 1" in stale["detail"]


def test_a_body_over_the_limit_is_413_before_it_is_read(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    huge = support_workflow(description="x" * 2_000_000)
    response = client.post("/api/v1/workflows", json=huge, headers=token_for(Role.MANAGER))
    assert "over the limit of 1048576 bytes" in problem(response, 413)["detail"]

    def chunks() -> Any:
        for _ in range(3):
            yield b" " * 600_000

    chunked = client.post(
        "/api/v1/workflows",
        content=chunks(),
        headers={**token_for(Role.MANAGER), "Content-Type": "application/json"},
    )
    problem(chunked, 413)


def test_a_token_over_its_rate_gets_429_with_retry_after(
    make_client: Callable[..., TestClient], token_for: Callable[[Role], Bearer]
) -> None:
    limited = make_client(limiter=KeyedTokenBucket(per_minute=1, burst=2))
    fast, other = token_for(Role.ANALYST), token_for(Role.AGENT)
    statuses = [limited.get("/api/v1/workflows", headers=fast).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = limited.get("/api/v1/workflows", headers=fast)
    problem(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert limited.get("/api/v1/workflows", headers=other).status_code == 200  # per token
