"""``GET /api/v1/deliveries``: the delivery log over HTTP, for managers and admins only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from engine.delivery_log import DeliveryOutcome, DeliveryRecord
from engine.service import Mailroom, Role
from tests.engine.api.conftest import Bearer

START = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def _attempt(attempt: int, outcome: DeliveryOutcome, status: int) -> DeliveryRecord:
    return DeliveryRecord(
        outbox_id="notify-exe-1",
        attempt=attempt,
        execution_id="exe_1",
        workflow_id="customer-support",
        channel="webhook",
        target="https://hooks.example/in",
        outcome=outcome,
        at=START + timedelta(seconds=attempt),
        status_code=status,
        next_retry_at=START + timedelta(seconds=5) if outcome == DeliveryOutcome.FAILED else None,
    )


def test_a_manager_reads_the_attempts_and_an_agent_is_refused(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    mailroom.store.record_delivery(_attempt(1, DeliveryOutcome.FAILED, 500))
    mailroom.store.record_delivery(_attempt(2, DeliveryOutcome.DELIVERED, 200))

    response = client.get("/api/v1/deliveries", headers=token_for(Role.MANAGER))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 2
    assert [(r["attempt"], r["outcome"], r["status_code"]) for r in page["records"]] == [
        (2, "delivered", 200),
        (1, "failed", 500),
    ]
    assert page["records"][1]["next_retry_at"] is not None

    failed = client.get(
        "/api/v1/deliveries",
        params={"outcome": "failed", "execution_id": "exe_1"},
        headers=token_for(Role.ADMIN),
    ).json()
    assert [r["attempt"] for r in failed["records"]] == [1] and failed["total"] == 1

    assert client.get("/api/v1/deliveries", headers=token_for(Role.AGENT)).status_code == 403
    bad = client.get(
        "/api/v1/deliveries", params={"outcome": "lost"}, headers=token_for(Role.MANAGER)
    )
    assert bad.status_code == 422 and "outcome" in bad.text
