"""The Store contract, run against every backend (see ``conftest.py`` for the ``store`` fixture).

Times in the fixtures are whole milliseconds: that is the precision every backend stores.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from engine.models import (
    Approval,
    ApprovalStatus,
    AuditEntry,
    Connection,
    Email,
    ExecutionLog,
    ExecutionMetrics,
    ExecutionStatus,
    NodeExecution,
    NodeStatus,
    NodeStatusCount,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Position,
    RollupIncrement,
    TriggeredBy,
    VisualData,
    WorkerInfo,
    Workflow,
    WorkflowNode,
    WorkflowStatus,
    utcnow,
)
from engine.store.base import Store, WorkflowNotFound
from engine.store.mongo import MongoStore
from engine.store.sqlite import SQLiteStore
from providers.ai.base import Classification, DraftReply, Entities

T0 = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def make_workflow(workflow_id: str = "wf_1", name: str = "Support", **fields: Any) -> Workflow:
    defaults = {"created_at": T0, "updated_at": T0}
    return Workflow(workflow_id=workflow_id, name=name, **(defaults | fields))


def make_email(
    message_id: str = "<m1@example.com>", mailbox: str = "support", **fields: Any
) -> Email:
    defaults = {
        "from_address": "customer@example.com",
        "received_at": T0,
        "ingested_at": T0,
        "thread_id": "thread_1",
    }
    return Email(message_id=message_id, mailbox=mailbox, **(defaults | fields))


def make_execution(**fields: Any) -> ExecutionLog:
    created_at = fields.get("created_at", T0)
    defaults = {
        "workflow_id": "wf_1",
        "workflow_version": 1,
        "created_at": created_at,
        "updated_at": created_at,
    }
    return ExecutionLog(**(defaults | fields))


def make_approval(execution_id: str = "exe_1", node_id: str = "approve", **fields: Any) -> Approval:
    defaults = {
        "workflow_id": "wf_1",
        "email_id": "eml_1",
        "created_at": T0,
        "classification": Classification(
            category="billing",
            category_confidence=0.9,
            priority="high",
            priority_confidence=0.8,
            priority_reasons=["deadline: by Friday", "money: €1,240 at stake"],
            sentiment="negative",
            sentiment_confidence=0.7,
            language="en",
            language_confidence=0.99,
            entities=Entities(order_numbers=["A-1"], amounts=["$10"]),
            provider="local",
            model="m1",
        ),
        "draft": DraftReply(
            subject="Re: refund",
            body="We are on it.",
            article_ids=["kb_1"],
            confidence=0.6,
            provider="local",
            model="m1",
        ),
    }
    return Approval(execution_id=execution_id, node_id=node_id, **(defaults | fields))


def make_outbox(idempotency_key: str = "reply:exe_1", **fields: Any) -> OutboxMessage:
    defaults = {
        "kind": OutboxKind.REPLY,
        "execution_id": "exe_1",
        "workflow_id": "wf_1",
        "channel": "email",
        "to": "customer@example.com",
        "subject": "Re: refund",
        "body": "Done.",
        "created_at": T0,
    }
    return OutboxMessage(idempotency_key=idempotency_key, **(defaults | fields))


def claim(store: Store, owner: str = "w1", now: datetime = T0) -> ExecutionLog | None:
    return store.claim_execution(owner, now + timedelta(seconds=30), now)


# --- lifecycle -------------------------------------------------------------------------------


def test_setup_is_idempotent(store: Store) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))

    store.setup()

    assert store.get_execution("exe_1") is not None


# --- times -------------------------------------------------------------------------------------


def test_times_come_back_aware_utc_at_millisecond_precision(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    created = datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=paris)
    store.create_execution(make_execution(execution_id="exe_1", created_at=created))

    stored = store.get_execution("exe_1")

    assert stored is not None
    assert stored.created_at == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert stored.created_at.utcoffset() == timedelta(0)
    # The caller's own (microsecond) value still matches the stored one in a ``since`` filter.
    assert [e.execution_id for e in store.list_executions(since=created)] == ["exe_1"]


# --- workflows ---------------------------------------------------------------------------------


def test_save_workflow_stores_version_1_then_increments(store: Store) -> None:
    first = store.save_workflow(make_workflow(version=7, description="first"))
    store.record_workflow_executions("wf_1", 3, at(5))

    before_second = utcnow()
    second = store.save_workflow(
        make_workflow(description="second", created_at=at(60), execution_count=0, version=1)
    )

    assert first.version == 1
    assert second.version == 2
    assert second.created_at == T0
    assert second.execution_count == 3
    assert second.last_executed_at == at(5)
    assert second.updated_at >= before_second - timedelta(milliseconds=1)
    assert store.get_workflow("wf_1").model_dump() == second.model_dump()
    assert store.get_workflow("wf_1", 2).model_dump() == second.model_dump()
    old = store.get_workflow("wf_1", 1)
    assert old.description == "first"
    assert old.version == 1
    assert old.created_at == T0


def test_get_workflow_raises_when_missing(store: Store) -> None:
    store.save_workflow(make_workflow())

    with pytest.raises(WorkflowNotFound) as missing:
        store.get_workflow("nope")
    assert missing.value.workflow_id == "nope"
    with pytest.raises(WorkflowNotFound) as missing_version:
        store.get_workflow("wf_1", 2)
    assert missing_version.value.version == 2


def test_workflow_round_trip_keeps_every_field(store: Store) -> None:
    workflow = make_workflow(
        description="Answers customers",
        workflow_type="email_automation",
        status=WorkflowStatus.ACTIVE,
        tags=["support", "en"],
        visual_data=VisualData(
            nodes=[
                WorkflowNode(
                    node_id="trigger",
                    node_type_id="email_trigger",
                    name="Inbox",
                    position=Position(x=1.5, y=-2.0),
                    config={"mailbox": "support", "limits": {"batch": 10}, "flags": [True, None]},
                ),
                WorkflowNode(
                    node_id="classify",
                    node_type_id="classify",
                    name="Classify",
                    position=Position(x=3, y=4),
                ),
            ],
            connections=[
                Connection(
                    connection_id="c1",
                    source_node_id="trigger",
                    target_node_id="classify",
                    source_output="true",
                )
            ],
        ),
    )

    saved = store.save_workflow(workflow)

    expected = workflow.model_dump() | {"updated_at": saved.updated_at}
    assert saved.model_dump() == expected
    assert store.get_workflow("wf_1").model_dump() == expected


def test_list_workflows_orders_by_name_and_filters_status(store: Store) -> None:
    store.save_workflow(make_workflow("wf_b", "Billing", status=WorkflowStatus.ACTIVE))
    store.save_workflow(make_workflow("wf_a", "Returns"))
    store.save_workflow(make_workflow("wf_c", "Abuse", status=WorkflowStatus.ACTIVE))
    store.save_workflow(make_workflow("wf_c", "Abuse v2", status=WorkflowStatus.ACTIVE))

    assert [(w.name, w.version) for w in store.list_workflows()] == [
        ("Abuse v2", 2),
        ("Billing", 1),
        ("Returns", 1),
    ]
    assert [w.workflow_id for w in store.list_workflows(WorkflowStatus.ACTIVE)] == ["wf_c", "wf_b"]
    assert [w.workflow_id for w in store.list_workflows(WorkflowStatus.OFF)] == ["wf_a"]
    assert store.list_workflows(WorkflowStatus.ARCHIVED) == []


def test_a_workflow_an_older_version_stored_as_draft_reads_as_off(store: Store) -> None:
    store.save_workflow(make_workflow("wf_old", "Old", status=WorkflowStatus.ACTIVE))
    # Written as versions before issue 27 wrote a workflow switched off.
    if isinstance(store, SQLiteStore):
        with store._locked() as db:
            db.execute(
                "UPDATE workflows SET status = 'draft', doc = json_set(doc, '$.status', 'draft')"
            )
    else:
        assert isinstance(store, MongoStore)
        store._workflows.update_many({}, {"$set": {"status": "draft"}})

    assert store.get_workflow("wf_old").status is WorkflowStatus.OFF
    assert [w.workflow_id for w in store.list_workflows(WorkflowStatus.OFF)] == ["wf_old"]
    assert store.list_workflows(WorkflowStatus.ACTIVE) == []


def test_set_workflow_status_does_not_create_a_version(store: Store) -> None:
    store.save_workflow(make_workflow())

    switched = store.set_workflow_status("wf_1", WorkflowStatus.ACTIVE)

    assert switched.status is WorkflowStatus.ACTIVE
    assert switched.version == 1
    assert store.get_workflow("wf_1").status is WorkflowStatus.ACTIVE
    assert store.list_workflows(WorkflowStatus.ACTIVE)[0].workflow_id == "wf_1"
    store.set_workflow_status("wf_1", WorkflowStatus.OFF)
    assert store.get_workflow("wf_1").status is WorkflowStatus.OFF
    assert store.list_workflows(WorkflowStatus.ACTIVE) == []
    with pytest.raises(WorkflowNotFound):
        store.get_workflow("wf_1", 2)
    with pytest.raises(WorkflowNotFound):
        store.set_workflow_status("nope", WorkflowStatus.ACTIVE)


def test_record_workflow_executions_adds_up(store: Store) -> None:
    store.save_workflow(make_workflow())

    store.record_workflow_executions("wf_1", 2, at(1))
    store.record_workflow_executions("wf_1", 5, at(2))

    workflow = store.get_workflow("wf_1")
    assert workflow.execution_count == 7
    assert workflow.last_executed_at == at(2)
    with pytest.raises(WorkflowNotFound):
        store.record_workflow_executions("nope", 1, at(3))


# --- emails ------------------------------------------------------------------------------------


def test_insert_email_dedups_on_mailbox_and_message_id(store: Store) -> None:
    first = make_email(email_id="eml_1", subject="first")

    assert store.insert_email(first) is True
    assert store.insert_email(make_email(email_id="eml_2", subject="again")) is False
    assert store.insert_email(make_email(email_id="eml_3", mailbox="sales")) is True

    assert store.count_emails() == 2
    assert store.get_email("eml_2") is None
    stored = store.get_email("eml_1")
    assert stored is not None
    assert stored.subject == "first"
    assert store.get_email("eml_3") is not None


def test_email_round_trip_and_lookup_by_message_id(store: Store) -> None:
    email = make_email(
        email_id="eml_1",
        from_name="Ann Customer",
        to_address="support@example.com",
        subject="Où est ma commande ?",
        body_text="Bonjour,\nmy order A-1 is late.",
        body_html="<p>Bonjour</p>",
        in_reply_to="<m0@example.com>",
        references=["<m0@example.com>", "<m00@example.com>"],
        headers={"X-Mailer": "Thunderbird", "Content-Language": "fr"},
        received_at=at(-3),
        ingested_at=at(1),
    )
    store.insert_email(email)

    assert store.count_emails() == 1
    got = store.get_email("eml_1")
    assert got is not None
    assert got.model_dump() == email.model_dump()
    found = store.find_email_by_message_id("<m1@example.com>")
    assert found is not None
    assert found.email_id == "eml_1"
    assert store.find_email_by_message_id("<other@example.com>") is None
    assert store.get_email("nope") is None


def test_get_emails_returns_the_stored_ones_by_id_in_one_call(store: Store) -> None:
    for n in range(1, 4):
        store.insert_email(
            make_email(email_id=f"eml_{n}", message_id=f"<m{n}@example.com>", subject=f"s{n}")
        )

    found = store.get_emails(["eml_3", "nope", "eml_1", "eml_1"])

    assert sorted(found) == ["eml_1", "eml_3"]
    assert found["eml_3"].subject == "s3"
    assert found["eml_1"].model_dump() == store.get_email("eml_1").model_dump()  # type: ignore[union-attr]
    assert store.get_emails([]) == {}


# --- executions --------------------------------------------------------------------------------


def full_execution() -> ExecutionLog:
    return make_execution(
        execution_id="exe_1",
        workflow_version=3,
        email_id="eml_1",
        status=ExecutionStatus.WAITING,
        created_at=T0,
        updated_at=at(2),
        started_at=at(1),
        completed_at=None,
        triggered_by=TriggeredBy.MANUAL,
        input_data={"email": {"subject": "Hi", "tags": ["a", "b"]}, "n": 3, "ratio": 0.5},
        node_executions=[
            NodeExecution(
                node_id="classify",
                status=NodeStatus.COMPLETED,
                started_at=at(1),
                completed_at=at(1.5),
                input_data={"text": "hello"},
                output_data={"category": "billing", "confidence": 0.93},
                active_outputs=["main"],
                retry_count=1,
            ),
            NodeExecution(node_id="approve", status=NodeStatus.WAITING, error="pending human"),
        ],
        metrics=ExecutionMetrics(
            total_runtime_ms=12.5, nodes_executed=2, emails_processed=1, success_rate=1.0
        ),
        error="none",
        category="billing",
        priority="high",
        owner="w9",
        attempt=4,
        lease_until=at(3),
        control_request="pause",
        waiting_on_node="approve",
    )


def test_execution_round_trip_keeps_every_field(store: Store) -> None:
    execution = full_execution()

    assert store.create_execution(execution) is True

    got = store.get_execution("exe_1")
    assert got is not None
    assert got.model_dump() == execution.model_dump()
    assert store.get_execution("nope") is None


def test_create_execution_dedups_on_workflow_and_email(store: Store) -> None:
    assert store.create_execution(make_execution(execution_id="e1", email_id="eml_1")) is True
    assert store.create_execution(make_execution(execution_id="e2", email_id="eml_1")) is False
    assert (
        store.create_execution(
            make_execution(execution_id="e3", email_id="eml_1", workflow_id="wf_2")
        )
        is True
    )
    assert store.create_execution(make_execution(execution_id="e4")) is True
    assert store.create_execution(make_execution(execution_id="e5")) is True

    assert store.get_execution("e2") is None
    assert sorted(e.execution_id for e in store.list_executions()) == ["e1", "e3", "e4", "e5"]


def test_claim_takes_oldest_pending_and_updates_it(store: Store) -> None:
    for execution_id, minute in [("late", 2), ("early", 0), ("middle", 1)]:
        store.create_execution(make_execution(execution_id=execution_id, created_at=at(minute)))
    now = at(10)

    claimed = store.claim_execution("w1", at(11), now)

    assert claimed is not None
    assert claimed.execution_id == "early"
    assert claimed.status is ExecutionStatus.RUNNING
    assert claimed.owner == "w1"
    assert claimed.attempt == 1
    assert claimed.lease_until == at(11)
    assert claimed.updated_at == now
    assert claimed.started_at == now
    stored = store.get_execution("early")
    assert stored is not None
    assert stored.model_dump() == claimed.model_dump()
    assert [c.execution_id for c in (claim(store, "w2"), claim(store, "w3"))] == [  # type: ignore[union-attr]
        "middle",
        "late",
    ]
    assert claim(store) is None


def test_claim_executions_takes_the_oldest_pending_in_order(store: Store) -> None:
    for execution_id, minute in [("d", 3), ("b", 1), ("a", 0), ("c", 2), ("e", 4)]:
        store.create_execution(make_execution(execution_id=execution_id, created_at=at(minute)))
    store.create_execution(make_execution(execution_id="asked", control_request="pause"))
    store.create_execution(make_execution(execution_id="done", status=ExecutionStatus.COMPLETED))
    now = at(10)

    first = store.claim_executions("w1", at(11), now, 3)
    rest = store.claim_executions("w2", at(12), now, 10)

    assert [e.execution_id for e in first] == ["a", "b", "c"]
    assert [e.execution_id for e in rest] == ["d", "e"]
    for execution in first:
        assert execution.status is ExecutionStatus.RUNNING
        assert (execution.owner, execution.attempt) == ("w1", 1)
        assert execution.lease_until == at(11)
        assert execution.started_at == now
        stored = store.get_execution(execution.execution_id)
        assert stored is not None
        assert stored.model_dump() == execution.model_dump()
    assert store.claim_executions("w3", at(11), now, 5) == []
    assert claim(store) is None


def test_claim_skips_executions_that_are_not_claimable(store: Store) -> None:
    store.create_execution(make_execution(execution_id="paused", status=ExecutionStatus.PAUSED))
    store.create_execution(make_execution(execution_id="waiting", status=ExecutionStatus.WAITING))
    store.create_execution(make_execution(execution_id="running", status=ExecutionStatus.RUNNING))
    store.create_execution(make_execution(execution_id="done", status=ExecutionStatus.COMPLETED))
    store.create_execution(make_execution(execution_id="asked", control_request="pause"))
    store.create_execution(
        make_execution(execution_id="resumed", created_at=at(1), started_at=at(-5), attempt=2)
    )

    claimed = claim(store, now=at(10))

    assert claimed is not None
    assert claimed.execution_id == "resumed"
    assert claimed.attempt == 3
    assert claimed.started_at == at(-5)
    assert claim(store) is None
    asked = store.get_execution("asked")
    assert asked is not None
    assert asked.status is ExecutionStatus.PENDING


def test_write_execution_is_fenced_by_owner_and_attempt(store: Store) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))
    claimed = claim(store, "w1")
    assert claimed is not None

    done = claimed.model_copy(update={"status": ExecutionStatus.COMPLETED, "completed_at": at(5)})
    assert store.write_execution(done, owner="w1", attempt=0) is False
    assert store.write_execution(done, owner="w2", attempt=1) is False
    assert store.get_execution("exe_1").status is ExecutionStatus.RUNNING  # type: ignore[union-attr]

    assert store.write_execution(done, owner="w1", attempt=1) is True
    stored = store.get_execution("exe_1")
    assert stored is not None
    assert stored.model_dump() == done.model_dump()


def test_write_execution_keeps_the_stored_control_request(store: Store) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))
    claimed = claim(store, "w1")
    assert claimed is not None
    requested = store.update_execution_if(
        "exe_1", statuses=[ExecutionStatus.RUNNING], changes={"control_request": "cancel"}
    )
    assert requested is not None

    progress = claimed.model_copy(update={"error": "step 2"})
    assert progress.control_request is None
    assert store.write_execution(progress, owner="w1", attempt=1) is True

    stored = store.get_execution("exe_1")
    assert stored is not None
    assert stored.error == "step 2"
    assert stored.control_request == "cancel"


def test_renew_lease_only_for_the_current_claim(store: Store) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))
    store.create_execution(make_execution(execution_id="idle", created_at=at(1)))
    assert claim(store, "w1") is not None

    assert store.renew_lease("exe_1", owner="w1", attempt=1, lease_until=at(20)) is True
    assert store.get_execution("exe_1").lease_until == at(20)  # type: ignore[union-attr]
    assert store.renew_lease("exe_1", owner="w1", attempt=0, lease_until=at(30)) is False
    assert store.renew_lease("exe_1", owner="w2", attempt=1, lease_until=at(30)) is False
    assert store.renew_lease("idle", owner="w1", attempt=0, lease_until=at(30)) is False
    assert store.renew_lease("nope", owner="w1", attempt=1, lease_until=at(30)) is False
    assert store.get_execution("exe_1").lease_until == at(20)  # type: ignore[union-attr]


def test_update_execution_if_applies_changes_only_in_given_statuses(store: Store) -> None:
    store.create_execution(make_execution(execution_id="exe_1", status=ExecutionStatus.WAITING))
    before = utcnow()

    refused = store.update_execution_if(
        "exe_1",
        statuses=[ExecutionStatus.RUNNING, ExecutionStatus.PENDING],
        changes={"status": ExecutionStatus.CANCELLED},
    )
    assert refused is None
    assert store.get_execution("exe_1").status is ExecutionStatus.WAITING  # type: ignore[union-attr]
    assert store.update_execution_if("nope", statuses=[ExecutionStatus.WAITING], changes={}) is None
    assert store.update_execution_if("exe_1", statuses=[], changes={"error": "x"}) is None

    runs = [NodeExecution(node_id="approve", status=NodeStatus.COMPLETED, output_data={"ok": True})]
    updated = store.update_execution_if(
        "exe_1",
        statuses=[ExecutionStatus.WAITING],
        changes={
            "status": ExecutionStatus.PENDING,
            "waiting_on_node": None,
            "node_executions": runs,
            "completed_at": at(9),
        },
    )

    assert updated is not None
    assert updated.status is ExecutionStatus.PENDING
    assert updated.waiting_on_node is None
    assert updated.node_executions == runs
    assert updated.completed_at == at(9)
    assert updated.updated_at >= before - timedelta(milliseconds=1)
    stored = store.get_execution("exe_1")
    assert stored is not None
    assert stored.model_dump() == updated.model_dump()
    assert claim(store) is not None  # its status column changed too


def test_update_execution_if_refuses_unknown_fields(store: Store) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))

    with pytest.raises(ValueError):
        store.update_execution_if(
            "exe_1", statuses=[ExecutionStatus.PENDING], changes={"no_such_field": 1}
        )


def test_release_expired_leases_returns_them_to_pending(store: Store) -> None:
    for minute, execution_id in enumerate(["a", "b", "c"]):
        store.create_execution(make_execution(execution_id=execution_id, created_at=at(minute)))
    store.create_execution(
        make_execution(execution_id="waiting", status=ExecutionStatus.WAITING, lease_until=at(-100))
    )
    assert store.claim_execution("w1", at(5), at(0)) is not None
    assert store.claim_execution("w2", at(6), at(0)) is not None
    assert store.claim_execution("w3", at(60), at(0)) is not None

    released = store.release_expired_leases(at(10))

    assert released == 2
    a, c = store.get_execution("a"), store.get_execution("c")
    assert a is not None and c is not None
    assert (a.status, a.owner, a.attempt, a.updated_at) == (
        ExecutionStatus.PENDING,
        None,
        1,
        at(10),
    )
    assert (c.status, c.owner) == (ExecutionStatus.RUNNING, "w3")
    assert store.write_execution(a, owner="w1", attempt=1) is False  # the late worker
    assert store.release_expired_leases(at(10)) == 0
    again = claim(store, "w4", at(11))
    assert again is not None
    assert (again.execution_id, again.attempt) == ("a", 2)


def test_list_executions_filters_and_orders_newest_first(store: Store) -> None:
    rows = [
        ("e1", "wf_1", ExecutionStatus.COMPLETED, "billing", 0),
        ("e2", "wf_1", ExecutionStatus.FAILED, "shipping", 1),
        ("e3", "wf_2", ExecutionStatus.COMPLETED, "billing", 2),
        ("e4", "wf_1", ExecutionStatus.PENDING, None, 3),
        ("e5", "wf_1", ExecutionStatus.COMPLETED, "billing", 4),
    ]
    for execution_id, workflow_id, status, category, minute in rows:
        store.create_execution(
            make_execution(
                execution_id=execution_id,
                workflow_id=workflow_id,
                status=status,
                category=category,
                created_at=at(minute),
            )
        )

    def ids(**filters: Any) -> list[str]:
        return [e.execution_id for e in store.list_executions(**filters)]

    assert ids() == ["e5", "e4", "e3", "e2", "e1"]
    assert ids(workflow_id="wf_1") == ["e5", "e4", "e2", "e1"]
    assert ids(statuses=[ExecutionStatus.COMPLETED, ExecutionStatus.FAILED]) == [
        "e5",
        "e3",
        "e2",
        "e1",
    ]
    assert ids(statuses=[]) == []
    assert ids(category="billing") == ["e5", "e3", "e1"]
    assert ids(since=at(2)) == ["e5", "e4", "e3"]
    assert ids(limit=2) == ["e5", "e4"]
    assert ids(limit=0) == []
    assert ids(
        workflow_id="wf_1", statuses=[ExecutionStatus.COMPLETED], category="billing", since=at(1)
    ) == ["e5"]
    assert ids(workflow_id="nope") == []


def test_count_executions_by_status(store: Store) -> None:
    statuses = [ExecutionStatus.PENDING, ExecutionStatus.PENDING, ExecutionStatus.FAILED]
    for n, status in enumerate(statuses):
        store.create_execution(make_execution(execution_id=f"a{n}", status=status))
    store.create_execution(
        make_execution(execution_id="b", workflow_id="wf_2", status=ExecutionStatus.COMPLETED)
    )

    assert store.count_executions_by_status() == {"pending": 2, "failed": 1, "completed": 1}
    assert store.count_executions_by_status("wf_1") == {"pending": 2, "failed": 1}
    assert store.count_executions_by_status("nope") == {}


def test_count_executions_by_status_follows_every_change(store: Store) -> None:
    for n in range(3):
        store.create_execution(make_execution(execution_id=f"c{n}", email_id=f"m{n}"))
    now = at(0)
    claimed = store.claim_execution("w1", now + timedelta(seconds=30), now)
    assert claimed is not None
    assert store.count_executions_by_status("wf_1") == {"pending": 2, "running": 1}
    claimed.status = ExecutionStatus.COMPLETED
    assert store.write_execution(claimed, owner="w1", attempt=claimed.attempt)
    store.update_execution_if(
        "c1", statuses=[ExecutionStatus.PENDING], changes={"status": ExecutionStatus.PAUSED}
    )
    store.update_executions_where(
        "wf_1", [ExecutionStatus.PENDING], {"status": ExecutionStatus.CANCELLED}
    )
    assert store.count_executions_by_status() == {"completed": 1, "paused": 1, "cancelled": 1}
    assert not store.create_execution(make_execution(execution_id="again", email_id="m0"))
    assert store.count_executions_by_status("wf_1") == {
        "completed": 1,
        "paused": 1,
        "cancelled": 1,
    }


def test_node_status_counts(store: Store) -> None:
    def runs(*pairs: tuple[str, NodeStatus]) -> list[NodeExecution]:
        return [NodeExecution(node_id=node_id, status=status) for node_id, status in pairs]

    done, failed, skipped = NodeStatus.COMPLETED, NodeStatus.FAILED, NodeStatus.SKIPPED
    store.create_execution(
        make_execution(
            execution_id="old", created_at=at(-1), node_executions=runs(("classify", failed))
        )
    )
    store.create_execution(
        make_execution(
            execution_id="e1",
            created_at=at(0),
            node_executions=runs(("classify", done), ("reply", done)),
        )
    )
    store.create_execution(
        make_execution(
            execution_id="e2",
            created_at=at(1),
            node_executions=runs(("classify", done), ("reply", failed)),
        )
    )
    store.create_execution(
        make_execution(
            execution_id="e3",
            created_at=at(2),
            node_executions=runs(("classify", failed), ("reply", skipped)),
        )
    )
    store.create_execution(make_execution(execution_id="empty", created_at=at(3)))
    # Parked at the approval (started, waiting); the send node not reached yet (not counted).
    parked = runs(
        ("classify", done), ("approval", NodeStatus.WAITING), ("reply", NodeStatus.WAITING)
    )
    parked[1].started_at = at(4)
    store.create_execution(
        make_execution(execution_id="e4", created_at=at(4), node_executions=parked)
    )
    store.create_execution(
        make_execution(
            execution_id="other", workflow_id="wf_2", node_executions=runs(("classify", done))
        )
    )

    counts = store.node_status_counts("wf_1", since=T0)

    assert counts == [
        NodeStatusCount(node_id="approval", status=NodeStatus.WAITING, count=1),
        NodeStatusCount(node_id="classify", status=done, count=3),
        NodeStatusCount(node_id="classify", status=failed, count=1),
        NodeStatusCount(node_id="reply", status=done, count=1),
        NodeStatusCount(node_id="reply", status=failed, count=1),
        NodeStatusCount(node_id="reply", status=skipped, count=1),
    ]
    assert store.node_status_counts("wf_1", since=at(10)) == []


# --- approvals ---------------------------------------------------------------------------------


def test_create_approval_twice_returns_the_first(store: Store) -> None:
    first = make_approval(approval_id="apr_1", priority="high", priority_rank=1)

    created = store.create_approval(first)
    again = store.create_approval(
        make_approval(approval_id="apr_2", priority="low", priority_rank=3)
    )

    assert created.model_dump() == first.model_dump()
    assert again.model_dump() == first.model_dump()
    assert store.get_approval("apr_2") is None
    assert store.count_approvals() == 1
    got = store.get_approval("apr_1")
    assert got is not None
    assert got.model_dump() == first.model_dump()
    found = store.find_approval("exe_1", "approve")
    assert found is not None
    assert found.approval_id == "apr_1"
    assert store.find_approval("exe_1", "other") is None
    assert store.find_approval("exe_2", "approve") is None


def test_list_approvals_most_urgent_first(store: Store) -> None:
    rows = [
        ("normal_old", 2, 0, ApprovalStatus.PENDING),
        ("urgent_new", 0, 5, ApprovalStatus.PENDING),
        ("normal_new", 2, 3, ApprovalStatus.PENDING),
        ("urgent_old", 0, 1, ApprovalStatus.PENDING),
        ("low", 3, -10, ApprovalStatus.PENDING),
        ("decided", 0, -20, ApprovalStatus.APPROVED),
    ]
    for approval_id, rank, minute, status in rows:
        store.create_approval(
            make_approval(
                approval_id=approval_id,
                execution_id=f"exe_{approval_id}",
                priority_rank=rank,
                created_at=at(minute),
                status=status,
            )
        )

    def ids(*args: Any, **kwargs: Any) -> list[str]:
        return [a.approval_id for a in store.list_approvals(*args, **kwargs)]

    assert ids() == ["urgent_old", "urgent_new", "normal_old", "normal_new", "low"]
    assert ids(limit=2) == ["urgent_old", "urgent_new"]
    assert ids(ApprovalStatus.APPROVED) == ["decided"]
    assert ids(ApprovalStatus.REJECTED) == []
    assert ids(None) == ["decided", "urgent_old", "urgent_new", "normal_old", "normal_new", "low"]
    assert store.count_approvals() == 6
    assert store.count_approvals(ApprovalStatus.PENDING) == 5
    assert store.count_approvals(ApprovalStatus.APPROVED) == 1
    assert store.count_approvals(ApprovalStatus.REJECTED) == 0


def test_decide_approval_only_once(store: Store) -> None:
    pending = store.create_approval(make_approval(approval_id="apr_1"))
    approved = pending.model_copy(
        update={
            "status": ApprovalStatus.APPROVED,
            "decided_at": at(5),
            "decided_by": "ann",
            "final_subject": "Re: refund",
            "final_body": "Refunded.",
            "edited": True,
        }
    )
    rejected = pending.model_copy(
        update={
            "status": ApprovalStatus.REJECTED,
            "decided_at": at(6),
            "decided_by": "bob",
            "reason": "wrong",
        }
    )

    assert store.decide_approval(approved) is True
    assert store.decide_approval(rejected) is False

    stored = store.get_approval("apr_1")
    assert stored is not None
    assert stored.model_dump() == approved.model_dump()
    assert store.count_approvals(ApprovalStatus.PENDING) == 0
    assert [a.approval_id for a in store.list_approvals(ApprovalStatus.APPROVED)] == ["apr_1"]
    assert store.decide_approval(approved.model_copy(update={"approval_id": "nope"})) is False


def test_decide_approval_refuses_an_undecided_approval(store: Store) -> None:
    pending = store.create_approval(make_approval(approval_id="apr_1"))

    with pytest.raises(ValueError):
        store.decide_approval(pending)


def test_update_pending_approval_changes_only_a_pending_one(store: Store) -> None:
    pending = store.create_approval(make_approval(approval_id="apr_1", priority_rank=2))
    reassigned = pending.model_copy(
        update={"assigned_to": "bea", "priority": "urgent", "priority_rank": 0}
    )

    assert store.update_pending_approval(reassigned) is True
    assert store.get_approval("apr_1") == reassigned
    store.create_approval(make_approval(approval_id="apr_2", execution_id="exe_2", priority_rank=1))
    assert [a.approval_id for a in store.list_approvals()] == ["apr_1", "apr_2"]

    decided = reassigned.model_copy(
        update={"status": ApprovalStatus.REJECTED, "decided_at": at(5), "decided_by": "ann"}
    )
    assert store.decide_approval(decided) is True
    assert (
        store.update_pending_approval(reassigned.model_copy(update={"assigned_to": "cy"})) is False
    )
    assert store.get_approval("apr_1") == decided
    with pytest.raises(ValueError):
        store.update_pending_approval(decided)


# --- outbox ------------------------------------------------------------------------------------


def test_reserve_outbox_once_per_idempotency_key(store: Store) -> None:
    message = make_outbox(
        email_id="eml_1",
        in_reply_to="<m1@example.com>",
        references=["<m0@example.com>", "<m1@example.com>"],
    )

    assert store.reserve_outbox(message) is True
    assert store.reserve_outbox(make_outbox(subject="other", created_at=at(1))) is False

    stored = store.get_outbox("reply:exe_1")
    assert stored is not None
    assert stored.model_dump() == message.model_dump()
    assert store.get_outbox("nope") is None
    assert store.count_outbox() == 1


def test_mark_outbox_records_the_outcome(store: Store) -> None:
    store.reserve_outbox(make_outbox("k1"))
    store.reserve_outbox(make_outbox("k2"))

    store.mark_outbox("k1", status=OutboxStatus.SENT, provider_message_id="pm_1", sent_at=at(2))
    store.mark_outbox("k2", status=OutboxStatus.FAILED, error="mailbox full")

    sent, failed = store.get_outbox("k1"), store.get_outbox("k2")
    assert sent is not None and failed is not None
    assert (sent.status, sent.provider_message_id, sent.sent_at, sent.error) == (
        OutboxStatus.SENT,
        "pm_1",
        at(2),
        None,
    )
    assert (failed.status, failed.provider_message_id, failed.sent_at, failed.error) == (
        OutboxStatus.FAILED,
        None,
        None,
        "mailbox full",
    )
    assert sent.subject == "Re: refund"
    assert store.count_outbox(status=OutboxStatus.SENT) == 1
    assert store.count_outbox(status=OutboxStatus.SENDING) == 0


def test_list_and_count_outbox(store: Store) -> None:
    rows = [
        ("r1", OutboxKind.REPLY, 0, OutboxStatus.SENT),
        ("n1", OutboxKind.NOTIFICATION, 1, OutboxStatus.SENDING),
        ("r2", OutboxKind.REPLY, 2, OutboxStatus.SENDING),
        ("n2", OutboxKind.NOTIFICATION, 3, OutboxStatus.FAILED),
    ]
    for key, kind, minute, status in rows:
        store.reserve_outbox(make_outbox(key, kind=kind, created_at=at(minute), status=status))

    assert [m.idempotency_key for m in store.list_outbox()] == ["n2", "r2", "n1", "r1"]
    assert [m.idempotency_key for m in store.list_outbox(OutboxKind.REPLY)] == ["r2", "r1"]
    assert [m.idempotency_key for m in store.list_outbox(limit=1)] == ["n2"]
    assert store.count_outbox() == 4
    assert store.count_outbox(kind=OutboxKind.NOTIFICATION) == 2
    assert store.count_outbox(status=OutboxStatus.SENDING) == 2
    assert store.count_outbox(OutboxKind.REPLY, OutboxStatus.SENDING) == 1
    assert store.count_outbox(OutboxKind.REPLY, OutboxStatus.FAILED) == 0


# --- rollups -----------------------------------------------------------------------------------


def test_rollup_increments_add_up(store: Store) -> None:
    h0, h1, h2 = T0.replace(minute=0, second=0, microsecond=0), at(60), at(120)
    h1, h2 = (
        h1.replace(minute=0, second=0, microsecond=0),
        h2.replace(minute=0, second=0, microsecond=0),
    )
    store.increment_rollups(
        [
            RollupIncrement(bucket=h0, metric="executions", key="completed", count=1, total=10.0),
            RollupIncrement(bucket=h0, metric="executions", key="completed", count=2, total=5.5),
            RollupIncrement(bucket=h0, metric="executions", key="failed"),
            RollupIncrement(bucket=h1, metric="executions", key="completed", total=1.25),
            RollupIncrement(bucket=h0, metric="replies", key="sent", count=4),
        ]
    )
    store.increment_rollups(
        [
            RollupIncrement(bucket=h0, metric="executions", key="completed", count=1, total=0.5),
            RollupIncrement(bucket=h2, metric="executions", key="completed"),
        ]
    )
    store.increment_rollups([])

    rows = [
        (r.bucket, r.metric, r.key, r.count, r.total) for r in store.query_rollups("executions", h0)
    ]

    assert rows == [
        (h0, "executions", "completed", 4, 16.0),
        (h0, "executions", "failed", 1, 0.0),
        (h1, "executions", "completed", 1, 1.25),
        (h2, "executions", "completed", 1, 0.0),
    ]
    assert [(r.bucket, r.key) for r in store.query_rollups("executions", h1, until=h2)] == [
        (h1, "completed")
    ]
    assert [r.count for r in store.query_rollups("replies", h0)] == [4]
    assert store.query_rollups("executions", h2 + timedelta(seconds=1)) == []
    assert all(r.bucket.utcoffset() == timedelta(0) for r in store.query_rollups("executions", h0))


def test_replacing_rollups_touches_only_the_given_metrics_and_hours(store: Store) -> None:
    h0 = T0.replace(minute=0, second=0, microsecond=0)
    h1, h2 = h0 + timedelta(hours=1), h0 + timedelta(hours=2)
    store.increment_rollups(
        [
            RollupIncrement(bucket=h0, metric="executions", key="completed", count=9),
            RollupIncrement(bucket=h1, metric="executions", key="completed", count=9),
            RollupIncrement(bucket=h1, metric="executions", key="failed", count=2),
            RollupIncrement(bucket=h2, metric="executions", key="completed", count=9),
            RollupIncrement(bucket=h1, metric="replies", key="sent", count=4),
        ]
    )

    written = store.replace_rollups(
        ["executions"],
        h1,
        h2,
        [
            RollupIncrement(bucket=h1, metric="executions", key="completed", total=1.5),
            RollupIncrement(bucket=h1, metric="executions", key="completed", total=2.0),
            RollupIncrement(bucket=h1, metric="executions", key="cancelled"),
        ],
    )

    assert written == 2
    rows = [(r.bucket, r.key, r.count, r.total) for r in store.query_rollups("executions", h0)]
    assert rows == [
        (h0, "completed", 9, 0.0),
        (h1, "cancelled", 1, 0.0),
        (h1, "completed", 2, 3.5),
        (h2, "completed", 9, 0.0),
    ]
    assert [r.count for r in store.query_rollups("replies", h0)] == [4]
    # Increments still add to the replaced rows afterwards.
    store.increment_rollups([RollupIncrement(bucket=h1, metric="executions", key="cancelled")])
    assert [r.count for r in store.query_rollups("executions", h1, h2) if r.key == "cancelled"] == [
        2
    ]

    with pytest.raises(ValueError, match="outside the rows being replaced"):
        store.replace_rollups(
            ["executions"], h1, h2, [RollupIncrement(bucket=h2, metric="executions", key="x")]
        )
    with pytest.raises(ValueError, match="outside the rows being replaced"):
        store.replace_rollups(
            ["executions"], h1, h2, [RollupIncrement(bucket=h1, metric="replies", key="x")]
        )
    assert len(store.query_rollups("executions", h0)) == 4, "a refused replace deletes nothing"


# --- cursors, leases, workers, audit -----------------------------------------------------------


def test_cursors(store: Store) -> None:
    assert store.get_cursor("trigger:support") is None

    store.set_cursor("trigger:support", "17")
    store.set_cursor("trigger:sales", "3")
    store.set_cursor("trigger:support", "42")

    assert store.get_cursor("trigger:support") == "42"
    assert store.get_cursor("trigger:sales") == "3"


def test_replace_cursor_stores_only_over_the_value_it_expects(store: Store) -> None:
    assert store.replace_cursor("sign-in:dora", None, "1") is True
    assert store.replace_cursor("sign-in:dora", None, "1b") is False, "a value exists already"
    assert store.replace_cursor("sign-in:dora", "0", "2") is False, "another process changed it"
    assert store.get_cursor("sign-in:dora") == "1"
    assert store.replace_cursor("sign-in:dora", "1", "2") is True
    assert store.get_cursor("sign-in:dora") == "2"


def test_leases(store: Store) -> None:
    assert store.acquire_lease("scheduler", "a", until=at(1), now=at(0)) is True
    assert store.acquire_lease("scheduler", "b", until=at(2), now=at(0.5)) is False
    assert store.acquire_lease("scheduler", "a", until=at(3), now=at(0.5)) is True  # renewal
    assert store.acquire_lease("scheduler", "b", until=at(4), now=at(2)) is False  # renewed
    assert store.acquire_lease("other", "b", until=at(4), now=at(2)) is True

    assert store.acquire_lease("scheduler", "b", until=at(5), now=at(3.5)) is True  # expired
    assert store.acquire_lease("scheduler", "a", until=at(6), now=at(4)) is False

    store.release_lease("scheduler", "a")  # not the holder: nothing happens
    assert store.acquire_lease("scheduler", "c", until=at(6), now=at(4)) is False
    store.release_lease("scheduler", "b")
    assert store.acquire_lease("scheduler", "c", until=at(6), now=at(4)) is True


def test_workers_heartbeat_list_and_remove(store: Store) -> None:
    def worker(worker_id: str, heartbeat: datetime) -> WorkerInfo:
        return WorkerInfo(
            worker_id=worker_id, hostname="host", pid=42, started_at=T0, heartbeat_at=heartbeat
        )

    store.record_heartbeat(worker("w2", at(1)))
    store.record_heartbeat(worker("w1", at(1)))
    store.record_heartbeat(worker("w1", at(5)))

    assert [w.model_dump() for w in store.list_workers()] == [
        worker("w1", at(5)).model_dump(),
        worker("w2", at(1)).model_dump(),
    ]
    assert [w.worker_id for w in store.list_workers(alive_since=at(5))] == ["w1"]
    assert [w.worker_id for w in store.list_workers(alive_since=at(1))] == ["w1", "w2"]
    assert store.list_workers(alive_since=at(6)) == []

    store.remove_worker("w1")
    store.remove_worker("nope")
    assert [w.worker_id for w in store.list_workers()] == ["w2"]


def test_audit_newest_first(store: Store) -> None:
    entries = [
        AuditEntry(
            audit_id=f"aud_{n}",
            at=at(minute),
            actor="ann",
            role="admin",
            action="workflow.save",
            target="wf_1",
            before=None if n == 0 else {"version": n},
            after={"version": n + 1, "tags": ["x"]},
        )
        for n, minute in enumerate([0, 2, 1])
    ]
    for entry in entries:
        store.append_audit(entry)

    listed = store.list_audit()

    assert [e.audit_id for e in listed] == ["aud_1", "aud_2", "aud_0"]
    assert [e.model_dump() for e in listed] == [
        entries[1].model_dump(),
        entries[2].model_dump(),
        entries[0].model_dump(),
    ]
    assert [e.audit_id for e in store.list_audit(limit=1)] == ["aud_1"]
