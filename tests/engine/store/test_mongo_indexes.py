"""The hot queries of the MongoDB backend are answered from an index (``explain``), over the wire.

Each test calls the store method, records the command it sent (command monitoring), and asks
the server to explain that very command, so the test cannot drift from the query.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pymongo
import pytest
from pymongo import monitoring

from engine.models import ApprovalStatus, ExecutionStatus
from engine.store.mongo import MongoStore
from engine.store.ports.approvals import QueueQuery
from tests.engine.store.test_contract import (
    at,
    make_approval,
    make_email,
    make_execution,
    make_outbox,
)
from tests.mongo_server import mongodb_store

# What the driver adds to a command, which ``explain`` does not take inside it.
_DRIVER_FIELDS = {"lsid", "txnNumber", "readConcern", "writeConcern", "autocommit"}


class CommandRecorder(monitoring.CommandListener):
    """Keeps the commands a client sends, with the database each was sent to."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.sent.append((event.database_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
def recorder() -> CommandRecorder:
    return CommandRecorder()


@pytest.fixture
def client(mongodb_uri: str) -> Iterator[pymongo.MongoClient[dict[str, Any]]]:
    """A client of its own to ask for query plans (its commands are not recorded)."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongodb_uri)
    yield client
    client.close()


@pytest.fixture
def mongo_store(mongodb_uri: str, recorder: CommandRecorder) -> Iterator[MongoStore]:
    """A store on the MongoDB under test with executions and approvals in it, its client's
    commands recorded from the end of this setup on."""
    for store in mongodb_store(mongodb_uri, event_listeners=[recorder]):
        for n in range(6):
            store.create_execution(
                make_execution(
                    execution_id=f"exe_{n}",
                    workflow_id=f"wf_{n % 2}",
                    status=ExecutionStatus.PENDING if n % 3 else ExecutionStatus.COMPLETED,
                    created_at=at(n),
                )
            )
            store.create_approval(make_approval(f"exe_{n}", created_at=at(n)))
        recorder.sent.clear()
        yield store


def explain_last(
    client: pymongo.MongoClient[dict[str, Any]], recorder: CommandRecorder, command: str
) -> dict[str, Any]:
    """The server's query plan for the last ``command`` recorded (explained, not run again)."""
    database, sent = [(db, cmd) for db, cmd in recorder.sent if command in cmd][-1]
    inner = {k: v for k, v in sent.items() if k not in _DRIVER_FIELDS and not k.startswith("$")}
    plan: dict[str, Any] = client[database].command("explain", inner, verbosity="queryPlanner")
    return plan


def winning_stages(explain: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every stage of the chosen plan(s) in an explain reply, whatever its shape (find,
    findAndModify, aggregate; classic or slot-based engine); rejected plans left out."""
    found: list[Mapping[str, Any]] = []

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            if isinstance(node.get("stage"), str):
                found.append(node)
            for key, value in node.items():
                if key not in ("rejectedPlans", "command", "slotBasedPlan"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(explain)
    return found


def assert_uses_index(explain: Mapping[str, Any], keys: Mapping[str, int]) -> None:
    stages = winning_stages(explain)
    names = [stage["stage"] for stage in stages]
    assert "COLLSCAN" not in names, names
    assert dict(keys) in [dict(stage["keyPattern"]) for stage in stages if "keyPattern" in stage]


@pytest.mark.wire_server_limitation(
    "its planner answers a filter from an index only when the index keys cover every filtered "
    "field; the claim filters on control_request too, which mongod reads from the fetched "
    "document after scanning the (status, created_at) index"
)
def test_claiming_an_execution_uses_the_status_index(
    mongo_store: MongoStore,
    recorder: CommandRecorder,
    client: pymongo.MongoClient[dict[str, Any]],
) -> None:
    now = at(10)

    assert mongo_store.claim_execution("w1", now + timedelta(seconds=30), now) is not None

    plan = explain_last(client, recorder, "findAndModify")
    assert_uses_index(plan, {"status": 1, "created_at": 1})


def test_the_approvals_queue_uses_the_status_and_urgency_index(
    mongo_store: MongoStore,
    recorder: CommandRecorder,
    client: pymongo.MongoClient[dict[str, Any]],
) -> None:
    assert len(mongo_store.list_approvals(ApprovalStatus.PENDING)) == 6

    plan = explain_last(client, recorder, "find")
    assert_uses_index(plan, {"status": 1, "priority_rank": 1, "created_at": 1})


def test_counting_a_workflows_executions_by_status_uses_the_workflow_index(
    mongo_store: MongoStore,
    recorder: CommandRecorder,
    client: pymongo.MongoClient[dict[str, Any]],
) -> None:
    assert mongo_store.count_executions_by_status("wf_1") == {"pending": 2, "completed": 1}

    plan = explain_last(client, recorder, "aggregate")
    assert_uses_index(plan, {"workflow_id": 1, "created_at": -1})


def test_a_queue_page_filtered_by_category_uses_the_category_index(
    mongo_store: MongoStore,
    recorder: CommandRecorder,
    client: pymongo.MongoClient[dict[str, Any]],
) -> None:
    page = mongo_store.queue_page(QueueQuery(category="billing", limit=5))
    assert (page.total, len(page.items)) == (6, 5)

    plan = explain_last(client, recorder, "find")
    assert_uses_index(plan, {"status": 1, "queue.category": 1, "priority_rank": 1, "queue_due": 1})


def test_a_queue_page_of_one_persons_drafts_uses_the_assignee_index(
    mongo_store: MongoStore,
    recorder: CommandRecorder,
    client: pymongo.MongoClient[dict[str, Any]],
) -> None:
    assert mongo_store.queue_page(QueueQuery(assignee="kim")).total == 0

    plan = explain_last(client, recorder, "find")
    assert_uses_index(plan, {"status": 1, "assigned_to": 1, "priority_rank": 1, "queue_due": 1})


def test_a_customers_history_uses_the_sender_index(
    mongo_store: MongoStore,
    recorder: CommandRecorder,
    client: pymongo.MongoClient[dict[str, Any]],
) -> None:
    mongo_store.insert_email(make_email("<h1@x>", from_address="anna@example.com"))

    assert len(mongo_store.list_emails_from("anna@example.com")) == 1

    plan = explain_last(client, recorder, "find")
    assert_uses_index(plan, {"from_address": 1, "received_at": -1})


def test_the_replies_to_emails_use_the_email_index(
    mongo_store: MongoStore,
    recorder: CommandRecorder,
    client: pymongo.MongoClient[dict[str, Any]],
) -> None:
    mongo_store.reserve_outbox(make_outbox("reply:h1", email_id="eml_h1"))

    assert len(mongo_store.replies_to(["eml_h1"])) == 1

    plan = explain_last(client, recorder, "find")
    assert_uses_index(plan, {"email_id": 1, "created_at": -1})
