"""Executions: read, pause, resume, cancel, retry, dead letters, pause and resume all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from engine.models import (
    ApprovalStatus,
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    RollupIncrement,
)
from engine.roles import Actor
from engine.rollups import execution_category, hour_bucket, split_by_category
from engine.service.core import ServiceCore
from engine.service.permissions import Conflict, ControlRefused, NotFound, requires

RetryMode = Literal["failed_node", "start_pinned", "start_current"]
RETRY_MODES: tuple[RetryMode, ...] = ("failed_node", "start_pinned", "start_current")

# Executions a pause-all or resume-all acts on, by what happens to them.
PAUSABLE_AT_ONCE = (ExecutionStatus.PENDING, ExecutionStatus.WAITING)


class ExecutionOperations(ServiceCore):
    """Executions operations of the service."""

    @requires("view")
    def list_executions(
        self,
        actor: Actor,
        *,
        workflow_id: str | None = None,
        statuses: Sequence[ExecutionStatus] | None = None,
        category: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
        before: tuple[datetime, str] | None = None,
    ) -> list[ExecutionLog]:
        """Executions newest first; ``before`` (created_at, id of the last one seen) pages."""
        return self.store.list_executions(
            workflow_id=workflow_id,
            statuses=statuses,
            category=category,
            since=since,
            limit=limit,
            before=before,
        )

    @requires("view")
    def execution_changes(
        self, actor: Actor, since: datetime, workflow_id: str | None = None, limit: int = 100
    ) -> list[ExecutionLog]:
        """Executions changed at or after ``since``, oldest change first: the live stream."""
        return self.store.list_executions_changed(since, workflow_id, limit)

    @requires("view")
    def get_execution(self, actor: Actor, execution_id: str) -> ExecutionLog | None:
        return self.store.get_execution(execution_id)

    @requires("view")
    def execution_counts(self, actor: Actor, workflow_id: str | None = None) -> dict[str, int]:
        return self.store.count_executions_by_status(workflow_id)

    @requires("control_execution")
    def pause(self, actor: Actor, execution_id: str) -> ExecutionLog:
        """Pause now if nobody runs it; otherwise ask its worker to pause at the next node."""
        before = self._status_of(execution_id)
        changed = self.store.update_execution_if(
            execution_id,
            statuses=[ExecutionStatus.PENDING, ExecutionStatus.WAITING],
            changes={"status": ExecutionStatus.PAUSED},
        ) or self.store.update_execution_if(
            execution_id, statuses=[ExecutionStatus.RUNNING], changes={"control_request": "pause"}
        )
        return self._controlled(actor, "pause", execution_id, changed, before)

    @requires("control_execution")
    def resume(self, actor: Actor, execution_id: str) -> ExecutionLog:
        """Put a paused execution back in the queue; it continues from its next node."""
        before = self._status_of(execution_id)
        changed = self.store.update_execution_if(
            execution_id,
            statuses=[ExecutionStatus.PAUSED],
            changes={
                "status": ExecutionStatus.PENDING,
                "control_request": None,
                "waiting_on_node": None,
            },
        )
        return self._controlled(actor, "resume", execution_id, changed, before)

    @requires("control_execution")
    def cancel(self, actor: Actor, execution_id: str) -> ExecutionLog:
        """Cancel now if nobody runs it; otherwise ask its worker to stop at the next node."""
        before = self._status_of(execution_id)
        now = self.clock()
        changed = self.store.update_execution_if(
            execution_id,
            statuses=[ExecutionStatus.PENDING, ExecutionStatus.WAITING, ExecutionStatus.PAUSED],
            changes={
                "status": ExecutionStatus.CANCELLED,
                "completed_at": now,
                "control_request": "cancel",
            },
        )
        if changed is not None:
            self._withdraw_approvals(actor, execution_id)
            cancelled = RollupIncrement(
                bucket=hour_bucket(now),
                metric="executions_by_status",
                key=ExecutionStatus.CANCELLED,
            )
            self.store.increment_rollups(
                split_by_category([cancelled], execution_category(changed))
            )
        else:
            changed = self.store.update_execution_if(
                execution_id,
                statuses=[ExecutionStatus.RUNNING],
                changes={"control_request": "cancel"},
            )
        return self._controlled(actor, "cancel", execution_id, changed, before)

    @requires("control_execution")
    def retry(
        self, actor: Actor, execution_id: str, mode: RetryMode = "failed_node"
    ) -> ExecutionLog:
        """Re-queue a failed or cancelled execution.

        ``failed_node`` keeps every completed node and runs again from the one that failed;
        ``start_pinned`` runs every node again on the workflow version the execution ran;
        ``start_current`` runs every node again on the workflow's current version. Side
        effects keep their keys, so a reply or notification already sent is not sent again.
        """
        if mode not in RETRY_MODES:
            modes = ", ".join(RETRY_MODES)
            raise ControlRefused(f"unknown retry mode {mode!r}; use one of {modes}")
        current = self.store.get_execution(execution_id)
        if current is None:
            raise NotFound(f"execution {execution_id} does not exist")
        from_start = mode != "failed_node"
        runs = [] if from_start else [run.model_copy() for run in current.node_executions]
        for run in runs:
            if run.status in (NodeStatus.FAILED, NodeStatus.RUNNING):
                run.status = NodeStatus.WAITING
                run.error = None
                run.started_at = run.completed_at = None
                run.output_data = {}
                run.active_outputs = []
        changes: dict[str, Any] = {
            "status": ExecutionStatus.PENDING,
            "node_executions": runs,
            "error": None,
            "control_request": None,
            "completed_at": None,
            "waiting_on_node": None,
        }
        if mode == "start_current":
            changes["workflow_version"] = self.store.get_workflow(current.workflow_id).version
        changed = self.store.update_execution_if(
            execution_id,
            statuses=[ExecutionStatus.FAILED, ExecutionStatus.CANCELLED],
            changes=changes,
        )
        before = {"status": current.status.value, "error": current.error}
        return self._controlled(actor, f"retry_{mode}", execution_id, changed, before)

    @requires("view")
    def dead_letters(
        self, actor: Actor, workflow_id: str | None = None, limit: int = 100
    ) -> list[ExecutionLog]:
        """Executions that failed after their last attempt, newest first, each with its error."""
        return self.store.list_executions(
            workflow_id=workflow_id, statuses=[ExecutionStatus.FAILED], limit=limit
        )

    @requires("control_execution")
    def pause_all(self, actor: Actor, workflow_id: str) -> int:
        """Pause every unfinished execution of a workflow; running ones pause at their next node.

        Returns how many executions were paused or asked to pause.
        """
        self.store.get_workflow(workflow_id)
        paused = self.store.update_executions_where(
            workflow_id, PAUSABLE_AT_ONCE, {"status": ExecutionStatus.PAUSED}
        )
        asked = self.store.update_executions_where(
            workflow_id, (ExecutionStatus.RUNNING,), {"control_request": "pause"}
        )
        self._audit(actor, "pause_all", workflow_id, after={"paused": paused, "asked": asked})
        return paused + asked

    @requires("control_execution")
    def resume_all(self, actor: Actor, workflow_id: str) -> int:
        """Put every paused execution of a workflow back in the queue; returns how many."""
        self.store.get_workflow(workflow_id)
        resumed = self.store.update_executions_where(
            workflow_id,
            (ExecutionStatus.PAUSED,),
            {"status": ExecutionStatus.PENDING, "control_request": None, "waiting_on_node": None},
        )
        self._audit(actor, "resume_all", workflow_id, after={"resumed": resumed})
        return resumed

    def _status_of(self, execution_id: str) -> dict[str, Any] | None:
        """The execution's state before a control, for the audit entry's ``before``."""
        current = self.store.get_execution(execution_id)
        if current is None:
            return None
        return {"status": current.status.value, "control_request": current.control_request}

    def _controlled(
        self,
        actor: Actor,
        action: str,
        execution_id: str,
        changed: ExecutionLog | None,
        before: dict[str, Any] | None = None,
    ) -> ExecutionLog:
        if changed is None:
            current = self.store.get_execution(execution_id)
            if current is None:
                raise NotFound(f"execution {execution_id} does not exist")
            state = current.status.value
            raise Conflict(f"cannot {action.replace('_', ' ')} an execution that is {state}")
        after = {"status": changed.status.value, "control_request": changed.control_request}
        self._audit(actor, action, execution_id, before=before, after=after)
        return changed

    def _withdraw_approvals(self, actor: Actor, execution_id: str) -> None:
        for approval in self.store.list_approvals(ApprovalStatus.PENDING, limit=1000):
            if approval.execution_id == execution_id:
                self.store.decide_approval(
                    approval.model_copy(
                        update={
                            "status": ApprovalStatus.REJECTED,
                            "decided_at": self.clock(),
                            "decided_by": actor.name,
                            "reason": "execution cancelled",
                        }
                    )
                )
