"""Workflows, executions, approvals, node types, metrics and docs over HTTP (no worker runs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from engine.models import ExecutionLog, ExecutionStatus, WorkflowStatus
from engine.service import Mailroom, Role
from tests.engine.api.conftest import Bearer
from tests.engine.api.payloads import CUSTOMER_EMAIL, support_workflow


def test_a_workflow_is_created_versioned_switched_and_archived(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    manager = token_for(Role.MANAGER)
    made = client.post("/api/v1/workflows", json=support_workflow(), headers=manager).json()
    assert (made["version"], made["status"]) == (1, "off")
    assert client.post("/api/v1/workflows/wf_api/activate", headers=manager).json()["status"] == (
        "active"
    )
    run = client.post("/api/v1/workflows/wf_api/run", json=CUSTOMER_EMAIL, headers=manager)
    pinned = run.json()["execution_id"]

    edit = support_workflow(name="Support v2", base_version=1)
    del edit["workflow_id"]
    updated = client.put("/api/v1/workflows/wf_api", json=edit, headers=manager).json()
    assert (updated["version"], updated["status"], updated["name"]) == (2, "active", "Support v2")
    first = client.get("/api/v1/workflows/wf_api/versions/1", headers=manager).json()
    assert first["name"] == "API support flow"

    off = client.post("/api/v1/workflows/wf_api/deactivate", headers=manager).json()
    assert off["status"] == "off"
    archived = client.delete("/api/v1/workflows/wf_api", headers=manager).json()
    assert archived["status"] == "archived"
    # Archiving loses nothing: the execution already started is still there, on version 1.
    execution = mailroom.store.get_execution(pinned)
    assert execution is not None and execution.status == ExecutionStatus.PENDING
    assert execution.workflow_version == 1
    assert mailroom.store.get_workflow("wf_api").status == WorkflowStatus.ARCHIVED
    refused = client.post("/api/v1/workflows/wf_api/run", json=CUSTOMER_EMAIL, headers=manager)
    assert refused.status_code == 409
    actions = [e.action for e in mailroom.store.list_audit(50) if e.target == "wf_api"]
    assert {"create_workflow", "save_workflow", "toggle_workflow", "archive_workflow"} <= set(
        actions
    )


def _executions(mailroom: Mailroom, count: int) -> list[str]:
    start = mailroom.service.clock()
    ids = []
    for index in range(count):
        execution = ExecutionLog(
            execution_id=f"exe_{index:02d}",
            workflow_id="customer-support",
            workflow_version=1,
            email_id=f"eml_{index}",
            created_at=start + timedelta(seconds=index // 2),  # pairs share a time
            category="billing" if index % 3 == 0 else "shipping",
        )
        mailroom.store.create_execution(execution)
        ids.append(execution.execution_id)
    return ids


def test_executions_are_listed_by_filter_and_cursor_pages(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    ids = _executions(mailroom, 7)
    headers = token_for(Role.ANALYST)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/executions", params=params, headers=headers).json()
        seen += [item["execution_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    billing = client.get(
        "/api/v1/executions", params={"category": "billing"}, headers=headers
    ).json()
    assert [i["execution_id"] for i in billing["items"]] == ["exe_06", "exe_03", "exe_00"]
    paused = client.get(
        "/api/v1/executions", params={"status": ["paused", "failed"]}, headers=headers
    ).json()
    assert paused["items"] == []
    bad = client.get("/api/v1/executions", params={"cursor": "%%%"}, headers=headers)
    assert bad.status_code == 422


def test_an_execution_is_paused_resumed_cancelled_and_retried(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    [execution_id] = _executions(mailroom, 1)
    agent, analyst = token_for(Role.AGENT), token_for(Role.ANALYST)
    base = f"/api/v1/executions/{execution_id}"
    assert client.post(f"{base}/pause", headers=analyst).status_code == 403
    assert client.post(f"{base}/pause", headers=agent).json()["status"] == "paused"
    assert client.post(f"{base}/pause", headers=agent).status_code == 409
    assert client.post(f"{base}/resume", headers=agent).json()["status"] == "pending"
    assert client.post(f"{base}/retry", headers=agent).status_code == 409  # not failed
    assert client.post(f"{base}/cancel", headers=agent).json()["status"] == "cancelled"
    retried = client.post(f"{base}/retry", json={"mode": "start_current"}, headers=agent)
    assert retried.json()["status"] == "pending"
    wrong = client.post(f"{base}/retry", json={"mode": "sideways"}, headers=agent)
    assert [e["field"] for e in wrong.json()["errors"]] == ["body.mode"]


def test_node_types_carry_their_config_json_schema(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    headers = token_for(Role.AGENT)
    types = client.get("/api/v1/node-types", headers=headers).json()
    assert {"email_trigger", "ai_model", "approval", "send_reply", "condition"} <= {
        t["type_id"] for t in types
    }
    approval = client.get("/api/v1/node-types/approval", headers=headers).json()
    assert "sla_hours" in approval["config_schema"]["properties"]
    assert "approved" in approval["outputs"]


def test_metrics_are_for_roles_that_see_metrics(
    client: TestClient, token_for: Callable[[Role], Bearer]
) -> None:
    assert client.get("/api/v1/metrics", headers=token_for(Role.AGENT)).status_code == 403
    metrics = client.get(
        "/api/v1/metrics",
        params={"metric": "executions_by_status"},
        headers=token_for(Role.ANALYST),
    ).json()
    assert metrics["metric"] == "executions_by_status"
    assert metrics["summary"]["executions_total"] == 0


def test_the_openapi_schema_and_docs_come_from_the_models(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/workflows/{workflow_id}/run" in schema["paths"]
    assert schema["components"]["schemas"]["WorkflowCreate"]["additionalProperties"] is False
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_approvals_are_rejected_with_a_reason_and_reassigned(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    from tests.engine.store.test_contract import make_approval

    for approval_id in ("apr_1", "apr_2"):
        mailroom.store.create_approval(
            make_approval(f"exe_{approval_id}", approval_id=approval_id, workflow_id="wf")
        )
    agent = token_for(Role.AGENT)
    no_reason = client.post("/api/v1/approvals/apr_1/reject", json={}, headers=agent)
    assert [e["field"] for e in no_reason.json()["errors"]] == ["body.reason"]
    rejected = client.post(
        "/api/v1/approvals/apr_1/reject", json={"reason": "wrong customer"}, headers=agent
    ).json()
    assert (rejected["status"], rejected["reason"]) == ("rejected", "wrong customer")
    again = client.post("/api/v1/approvals/apr_1/reject", json={"reason": "x"}, headers=agent)
    assert again.status_code == 409
    back = client.post(
        "/api/v1/approvals/apr_2/reassign", json={"assignee": None}, headers=agent
    ).json()
    assert back["assigned_to"] is None
    nobody = client.post(
        "/api/v1/approvals/apr_2/reassign", json={"assignee": "ghost"}, headers=agent
    )
    assert nobody.status_code == 409
    assert [a["approval_id"] for a in client.get("/api/v1/approvals", headers=agent).json()] == [
        "apr_2"
    ]
