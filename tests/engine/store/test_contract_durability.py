"""Store contract for bulk controls and approval escalation, on every backend."""

from __future__ import annotations

import pytest

from engine.models import ApprovalStatus, ExecutionStatus
from engine.store.base import Store
from tests.engine.store.test_contract import at, make_approval, make_execution


def test_update_executions_where_touches_one_workflow_in_given_statuses(store: Store) -> None:
    rows = [
        make_execution(execution_id="e1", email_id="m1", status=ExecutionStatus.PENDING),
        make_execution(execution_id="e2", email_id="m2", status=ExecutionStatus.WAITING),
        make_execution(execution_id="e3", email_id="m3", status=ExecutionStatus.COMPLETED),
        make_execution(
            execution_id="e4", email_id="m4", workflow_id="wf_2", status=ExecutionStatus.PENDING
        ),
    ]
    for row in rows:
        assert store.create_execution(row)
    changed = store.update_executions_where(
        "wf_1",
        [ExecutionStatus.PENDING, ExecutionStatus.WAITING],
        {"status": ExecutionStatus.PAUSED},
    )
    assert changed == 2
    statuses = {eid: store.get_execution(eid).status for eid in ("e1", "e2", "e3", "e4")}  # type: ignore[union-attr]
    assert statuses == {
        "e1": ExecutionStatus.PAUSED,
        "e2": ExecutionStatus.PAUSED,
        "e3": ExecutionStatus.COMPLETED,
        "e4": ExecutionStatus.PENDING,
    }
    assert store.update_executions_where("wf_1", [ExecutionStatus.RUNNING], {"error": "x"}) == 0
    with pytest.raises(ValueError):
        store.update_executions_where("wf_1", [ExecutionStatus.PAUSED], {"no_such_field": 1})


def test_due_escalations_are_listed_and_marked_once(store: Store) -> None:
    store.create_approval(make_approval("e1", escalate_at=at(10), on_timeout="reassign"))
    store.create_approval(make_approval("e2", escalate_at=at(30)))
    store.create_approval(make_approval("e3"))  # no timeout
    assert store.list_due_escalations(at(5)) == []
    [due] = store.list_due_escalations(at(10))
    assert due.execution_id == "e1"
    assert {a.execution_id for a in store.list_due_escalations(at(60))} == {"e1", "e2"}

    marked = due.model_copy(update={"escalated_at": at(11), "assigned_to": "bob"})
    assert store.mark_escalated(marked)
    assert not store.mark_escalated(marked)  # a second worker loses
    stored = store.get_approval(due.approval_id)
    assert stored is not None and stored.assigned_to == "bob" and stored.escalated_at == at(11)
    assert [a.execution_id for a in store.list_due_escalations(at(60))] == ["e2"]


def test_a_decided_approval_is_never_escalated(store: Store) -> None:
    approval = store.create_approval(make_approval("e1", escalate_at=at(10)))
    decided = approval.model_copy(
        update={"status": ApprovalStatus.APPROVED, "decided_at": at(5), "decided_by": "ann"}
    )
    assert store.decide_approval(decided)
    assert store.list_due_escalations(at(60)) == []
    assert not store.mark_escalated(approval.model_copy(update={"escalated_at": at(11)}))


def test_get_control_request_reads_the_stored_request(store: Store) -> None:
    assert store.get_control_request("nobody") is None
    assert store.create_execution(
        make_execution(execution_id="e1", email_id="m1", status=ExecutionStatus.RUNNING)
    )
    assert store.get_control_request("e1") is None
    store.update_execution_if(
        "e1", statuses=[ExecutionStatus.RUNNING], changes={"control_request": "pause"}
    )
    assert store.get_control_request("e1") == "pause"
    store.update_execution_if(
        "e1", statuses=[ExecutionStatus.RUNNING], changes={"control_request": None}
    )
    assert store.get_control_request("e1") is None
