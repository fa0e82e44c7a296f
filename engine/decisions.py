"""Deciding an approval and putting its execution back in the queue: the one path for a person
(the service), the approval timeout (escalation) and a worker parking an execution.

A decision is two writes on two records (the approval, then its execution), which no backend
makes atomic here. A process that dies between them leaves the execution waiting on a decided
approval; :func:`sweep_decided_waits`, run periodically by every worker, finds and re-queues it.
"""

from __future__ import annotations

from datetime import datetime

from engine.models import Approval, ApprovalStatus, ExecutionLog, ExecutionStatus
from engine.rollups import decision_increments
from engine.store.base import Store

#: How many waiting executions one sweep looks at.
SWEEP_LIMIT = 10_000
#: How often each worker sweeps. A lost re-queue needs a process to die between two writes; a
#: sweep reads every waiting execution, so it runs far less often than the approval checks.
SWEEP_INTERVAL_SECONDS = 60.0


def requeue_waiting(store: Store, execution_id: str) -> ExecutionLog | None:
    """Put an execution waiting on a human back in the queue (None if it is not waiting)."""
    return store.update_execution_if(
        execution_id,
        statuses=[ExecutionStatus.WAITING],
        changes={"status": ExecutionStatus.PENDING, "waiting_on_node": None},
    )


def mark_approval_changed(store: Store, approval: Approval) -> None:
    """Mark the execution waiting on ``approval`` as changed now, so the live stream (which
    reads executions by their last change) shows the pending approval again, e.g. reassigned.
    Nothing else of the execution changes; an execution no longer waiting is left alone."""
    store.update_execution_if(approval.execution_id, statuses=[ExecutionStatus.WAITING], changes={})


def record_decision(store: Store, decided: Approval, at: datetime) -> bool:
    """Store ``decided`` (approved or rejected), re-queue its execution and count the decision.

    False, with nothing written, when the approval was decided by someone else first.
    """
    if not store.decide_approval(decided):
        return False
    requeue_waiting(store, decided.execution_id)
    store.increment_rollups(decision_increments(decided, at))
    return True


def sweep_decided_waits(store: Store, limit: int = SWEEP_LIMIT) -> int:
    """Re-queue executions still waiting on an approval that was already decided; return how
    many. Harmless to run anywhere at any time: the re-queue is conditional on waiting."""
    resumed = 0
    for execution in store.list_executions(statuses=[ExecutionStatus.WAITING], limit=limit):
        if execution.waiting_on_node is None:
            continue
        approval = store.find_approval(execution.execution_id, execution.waiting_on_node)
        if approval is not None and approval.status != ApprovalStatus.PENDING:
            resumed += requeue_waiting(store, execution.execution_id) is not None
    return resumed
