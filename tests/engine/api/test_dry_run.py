"""``POST /api/v1/workflows/{id}/dry-run`` over HTTP on a real store with stored demo emails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from engine.service import Mailroom, Role
from tests.engine.api.conftest import Bearer
from tests.engine.api.test_problems import problem
from tests.engine.test_dry_run import MONEY, ingest_demo_emails

URL = "/api/v1/workflows/customer-support/dry-run"
NODE_FIELDS = ("node_id", "node_type_id", "name", "position", "config", "join", "timeout_seconds")
CONNECTION_FIELDS = (
    "connection_id",
    "source_node_id",
    "target_node_id",
    "source_output",
    "target_input",
)


def edited_definition(workflow: dict[str, Any]) -> dict[str, Any]:
    """The stored workflow as a definition, its 'Urgent?' condition changed to money emails."""
    nodes = [{k: node[k] for k in NODE_FIELDS} for node in workflow["visual_data"]["nodes"]]
    for node in nodes:
        if node["node_id"] == "is_urgent":
            node["config"] = {"field": "classification.category", "operator": "in", "value": MONEY}
    return {
        "name": workflow["name"],
        "nodes": nodes,
        "connections": [
            {k: c[k] for k in CONNECTION_FIELDS} for c in workflow["visual_data"]["connections"]
        ],
    }


def test_a_manager_dry_runs_an_edit_and_nothing_is_written(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    ingest_demo_emails(mailroom.store, mailroom.providers, 12)
    manager = token_for(Role.MANAGER)
    stored = client.get("/api/v1/workflows/customer-support", headers=manager).json()
    executions_before = mailroom.store.count_executions_by_status()

    response = client.post(
        URL, json={"limit": 12, "definition": edited_definition(stored)}, headers=manager
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["edited"] is True and report["summary"]["emails"] == 12
    money = sum(
        1
        for trace in report["emails"]
        if trace["conditions"][0]["value"] in MONEY and trace["conditions"][0]["result"]
    )
    assert report["summary"]["branches"]["is_urgent"] == {
        k: v for k, v in {"true": money, "false": 12 - money}.items() if v
    }
    assert report["summary"]["terminals"] == {"approval": 12}
    assert mailroom.store.count_executions_by_status() == executions_before
    assert mailroom.store.count_outbox() == 0 and mailroom.store.count_approvals() == 0

    by_ids = client.post(
        URL,
        json={"email_ids": [report["emails"][0]["email_id"]], "approvals": "approved"},
        headers=manager,
    ).json()
    assert [t["email_id"] for t in by_ids["emails"]] == [report["emails"][0]["email_id"]]
    assert by_ids["summary"]["would_send"]["reply"] == 1 and by_ids["edited"] is False
    assert mailroom.store.count_outbox() == 0


def test_an_agent_is_refused_a_bad_body_named_and_unknown_things_are_404(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    agent = problem(client.post(URL, json={"limit": 5}, headers=token_for(Role.AGENT)), 403)
    assert "may not edit workflow" in agent["detail"]
    manager = token_for(Role.MANAGER)
    too_many = problem(client.post(URL, json={"limit": 5000}, headers=manager), 422)
    assert [e["field"] for e in too_many["errors"]] == ["body.limit"]
    unknown = problem(client.post(URL, json={"limit": 5, "send": True}, headers=manager), 422)
    assert [e["field"] for e in unknown["errors"]] == ["body.send"]
    both = problem(
        client.post(URL, json={"email_ids": ["e"], "category": "billing"}, headers=manager), 422
    )
    assert "email_ids or a filter" in both["errors"][0]["message"]
    problem(client.post("/api/v1/workflows/nope/dry-run", json={}, headers=manager), 404)
    missing = problem(client.post(URL, json={"email_ids": ["eml_gone"]}, headers=manager), 404)
    assert "eml_gone" in missing["detail"]


def test_the_dry_run_is_in_the_openapi_schema(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/workflows/{workflow_id}/dry-run"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "DryRunIn"
    )
    assert "DryRunReport" in schema["components"]["schemas"]
