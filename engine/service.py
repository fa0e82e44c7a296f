"""What pages and the CLI call: reads and commands, each checked against the actor's role."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from engine.models import (
    FINAL_EXECUTION_STATUSES,
    Approval,
    ApprovalStatus,
    AuditEntry,
    CategoryCorrection,
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    NodeStatusCount,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    RollupIncrement,
    RollupRow,
    WorkerInfo,
    Workflow,
    WorkflowStatus,
    utcnow,
)
from engine.rollups import hour_bucket
from engine.store.base import Store
from providers.ai.text_cleaning import email_classification_text


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"
    ANALYST = "analyst"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person's name and role."""

    name: str
    role: Role


EVERYONE = frozenset(Role)
PERMISSIONS: dict[str, frozenset[Role]] = {
    "view": EVERYONE,
    "toggle_workflow": frozenset({Role.ADMIN, Role.MANAGER}),
    "control_execution": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "decide_approval": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "view_metrics": EVERYONE,
}


class PermissionDenied(PermissionError):
    def __init__(self, actor: Actor, action: str) -> None:
        super().__init__(f"{actor.name} ({actor.role}) may not {action.replace('_', ' ')}")
        self.actor = actor
        self.action = action


class ControlRefused(ValueError):
    """A control (pause, resume, cancel, retry, approve...) does not apply in the current state."""


RetryMode = Literal["failed_node", "start"]


class MailroomService:
    """The engine's service API."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock

    def _check(self, actor: Actor, action: str) -> None:
        if actor.role not in PERMISSIONS[action]:
            raise PermissionDenied(actor, action)

    def _audit(
        self,
        actor: Actor,
        action: str,
        target: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.store.append_audit(
            AuditEntry(
                actor=actor.name,
                role=actor.role.value,
                action=action,
                target=target,
                before=before,
                after=after,
                at=self.clock(),
            )
        )

    # --- workflows ---------------------------------------------------------------------------
    def list_workflows(self, actor: Actor) -> list[Workflow]:
        self._check(actor, "view")
        return self.store.list_workflows()

    def get_workflow(self, actor: Actor, workflow_id: str, version: int | None = None) -> Workflow:
        """The current workflow, or the version an execution is pinned to."""
        self._check(actor, "view")
        return self.store.get_workflow(workflow_id, version)

    def set_workflow_active(self, actor: Actor, workflow_id: str, active: bool) -> Workflow:
        """Switch a workflow on (new executions start) or off (running ones finish)."""
        self._check(actor, "toggle_workflow")
        before = self.store.get_workflow(workflow_id).status
        status = WorkflowStatus.ACTIVE if active else WorkflowStatus.DRAFT
        workflow = self.store.set_workflow_status(workflow_id, status)
        self._audit(actor, "toggle_workflow", workflow_id, {"status": before}, {"status": status})
        return workflow

    def node_status_counts(
        self, actor: Actor, workflow_id: str, since: datetime
    ) -> list[NodeStatusCount]:
        self._check(actor, "view")
        return self.store.node_status_counts(workflow_id, since)

    # --- executions ----------------------------------------------------------------------------
    def list_executions(
        self,
        actor: Actor,
        *,
        workflow_id: str | None = None,
        statuses: Sequence[ExecutionStatus] | None = None,
        category: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[ExecutionLog]:
        self._check(actor, "view")
        return self.store.list_executions(
            workflow_id=workflow_id, statuses=statuses, category=category, since=since, limit=limit
        )

    def get_execution(self, actor: Actor, execution_id: str) -> ExecutionLog | None:
        self._check(actor, "view")
        return self.store.get_execution(execution_id)

    def execution_counts(self, actor: Actor, workflow_id: str | None = None) -> dict[str, int]:
        self._check(actor, "view")
        return self.store.count_executions_by_status(workflow_id)

    def pause(self, actor: Actor, execution_id: str) -> ExecutionLog:
        """Pause now if nobody runs it; otherwise ask its worker to pause at the next node."""
        self._check(actor, "control_execution")
        changed = self.store.update_execution_if(
            execution_id,
            statuses=[ExecutionStatus.PENDING, ExecutionStatus.WAITING],
            changes={"status": ExecutionStatus.PAUSED},
        ) or self.store.update_execution_if(
            execution_id, statuses=[ExecutionStatus.RUNNING], changes={"control_request": "pause"}
        )
        return self._controlled(actor, "pause", execution_id, changed)

    def resume(self, actor: Actor, execution_id: str) -> ExecutionLog:
        """Put a paused execution back in the queue; it continues from its next node."""
        self._check(actor, "control_execution")
        changed = self.store.update_execution_if(
            execution_id,
            statuses=[ExecutionStatus.PAUSED],
            changes={
                "status": ExecutionStatus.PENDING,
                "control_request": None,
                "waiting_on_node": None,
            },
        )
        return self._controlled(actor, "resume", execution_id, changed)

    def cancel(self, actor: Actor, execution_id: str) -> ExecutionLog:
        """Cancel now if nobody runs it; otherwise ask its worker to stop at the next node."""
        self._check(actor, "control_execution")
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
            self.store.increment_rollups(
                [
                    RollupIncrement(
                        bucket=hour_bucket(now),
                        metric="executions_by_status",
                        key=ExecutionStatus.CANCELLED,
                    )
                ]
            )
        else:
            changed = self.store.update_execution_if(
                execution_id,
                statuses=[ExecutionStatus.RUNNING],
                changes={"control_request": "cancel"},
            )
        return self._controlled(actor, "cancel", execution_id, changed)

    def retry(
        self, actor: Actor, execution_id: str, mode: RetryMode = "failed_node"
    ) -> ExecutionLog:
        """Re-queue a failed (or cancelled) execution from its failed node or from the start."""
        self._check(actor, "control_execution")
        current = self.store.get_execution(execution_id)
        if current is None:
            raise ControlRefused(f"execution {execution_id} does not exist")
        runs = [run.model_copy() for run in current.node_executions]
        for run in runs:
            if mode == "start" or run.status in (NodeStatus.FAILED, NodeStatus.RUNNING):
                run.status = NodeStatus.WAITING
                run.error = None
                run.started_at = run.completed_at = None
                run.output_data = {}
                run.active_outputs = []
        changed = self.store.update_execution_if(
            execution_id,
            statuses=[ExecutionStatus.FAILED, ExecutionStatus.CANCELLED],
            changes={
                "status": ExecutionStatus.PENDING,
                "node_executions": runs,
                "error": None,
                "control_request": None,
                "completed_at": None,
                "waiting_on_node": None,
            },
        )
        return self._controlled(actor, f"retry_{mode}", execution_id, changed)

    def _controlled(
        self, actor: Actor, action: str, execution_id: str, changed: ExecutionLog | None
    ) -> ExecutionLog:
        if changed is None:
            current = self.store.get_execution(execution_id)
            state = current.status.value if current else "missing"
            raise ControlRefused(f"cannot {action.replace('_', ' ')} an execution that is {state}")
        self._audit(actor, action, execution_id, after={"status": changed.status.value})
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

    # --- approvals -----------------------------------------------------------------------------
    def approval_queue(self, actor: Actor, limit: int = 100) -> list[Approval]:
        """Pending approvals, most urgent first."""
        self._check(actor, "view")
        return self.store.list_approvals(ApprovalStatus.PENDING, limit=limit)

    def get_approval(self, actor: Actor, approval_id: str) -> Approval | None:
        self._check(actor, "view")
        return self.store.get_approval(approval_id)

    def get_email(self, actor: Actor, email_id: str) -> Email | None:
        self._check(actor, "view")
        return self.store.get_email(email_id)

    def approve(
        self, actor: Actor, approval_id: str, *, subject: str | None = None, body: str | None = None
    ) -> Approval:
        """Approve the draft (as edited, if ``subject``/``body`` are given) and queue the send."""
        approval = self._pending_approval(approval_id)
        final_subject = subject if subject is not None else approval.draft.subject
        final_body = body if body is not None else approval.draft.body
        if not final_body.strip():
            raise ControlRefused("the reply is empty; write a reply or reject the draft")
        edited = final_subject != approval.draft.subject or final_body != approval.draft.body
        return self._decide(
            actor,
            approval,
            {
                "status": ApprovalStatus.APPROVED,
                "final_subject": final_subject,
                "final_body": final_body,
                "edited": edited,
            },
        )

    def reject(self, actor: Actor, approval_id: str, reason: str) -> Approval:
        """Reject the draft with a reason; nothing is sent."""
        if not reason.strip():
            raise ControlRefused("give a reason for rejecting the draft")
        approval = self._pending_approval(approval_id)
        return self._decide(actor, approval, {"status": ApprovalStatus.REJECTED, "reason": reason})

    def _pending_approval(self, approval_id: str) -> Approval:
        approval = self.store.get_approval(approval_id)
        if approval is None:
            raise ControlRefused(f"approval {approval_id} does not exist")
        if approval.status != ApprovalStatus.PENDING:
            raise ControlRefused(f"approval {approval_id} was already {approval.status.value}")
        return approval

    def _decide(self, actor: Actor, approval: Approval, update: dict[str, Any]) -> Approval:
        self._check(actor, "decide_approval")
        now = self.clock()
        decided = approval.model_copy(
            update={**update, "decided_at": now, "decided_by": actor.name}
        )
        if not self.store.decide_approval(decided):
            raise ControlRefused(f"approval {approval.approval_id} was decided by someone else")
        self.store.update_execution_if(
            approval.execution_id,
            statuses=[ExecutionStatus.WAITING],
            changes={"status": ExecutionStatus.PENDING, "waiting_on_node": None},
        )
        bucket = hour_bucket(now)
        incs = [RollupIncrement(bucket=bucket, metric="approvals", key=decided.status.value)]
        if decided.status == ApprovalStatus.APPROVED:
            key = "edited" if decided.edited else "unedited"
            incs.append(RollupIncrement(bucket=bucket, metric="approval_edits", key=key))
        self.store.increment_rollups(incs)
        self._audit(
            actor,
            f"approval_{decided.status.value}",
            approval.approval_id,
            before={"subject": approval.draft.subject, "body": approval.draft.body},
            after={
                "subject": decided.final_subject,
                "body": decided.final_body,
                "reason": decided.reason,
            },
        )
        return decided

    # --- outbox, metrics, health -----------------------------------------------------------------
    def sent_replies(self, actor: Actor, limit: int = 100) -> list[OutboxMessage]:
        self._check(actor, "view")
        return self.store.list_outbox(OutboxKind.REPLY, limit=limit)

    def rollups(
        self, actor: Actor, metric: str, since: datetime, until: datetime | None = None
    ) -> list[RollupRow]:
        self._check(actor, "view_metrics")
        return self.store.query_rollups(metric, since, until)

    def live_workers(self, within_seconds: float = 30.0) -> list[WorkerInfo]:
        """Workers whose heartbeat is recent; pages warn when there is none."""
        return self.store.list_workers(alive_since=self.clock() - timedelta(seconds=within_seconds))

    def status_summary(self) -> dict[str, Any]:
        """Counts for ``python -m engine status``: emails, executions, approvals, replies."""
        by_status = self.store.count_executions_by_status()
        return {
            "emails": self.store.count_emails(),
            "executions": {
                status.value: by_status.get(status.value, 0) for status in ExecutionStatus
            },
            "executions_total": sum(by_status.values()),
            "executions_finished": sum(by_status.get(s.value, 0) for s in FINAL_EXECUTION_STATUSES),
            "approvals_pending": self.store.count_approvals(ApprovalStatus.PENDING),
            "replies_sent": self.store.count_outbox(OutboxKind.REPLY, OutboxStatus.SENT),
            "notifications_sent": self.store.count_outbox(
                OutboxKind.NOTIFICATION, OutboxStatus.SENT
            ),
            "workers_alive": len(self.live_workers()),
        }

    # --- AI (issue 4): category corrections ------------------------------------------------
    def record_correction(
        self, actor: Actor, approval_id: str, category: str
    ) -> CategoryCorrection:
        """Correct the category of an approval's email; the next local model learns from it.

        Agents, managers and admins may; the correction is audited. Correcting to the category
        the model chose is refused (it is not a correction).
        """
        self._check(actor, "decide_approval")
        approval = self.store.get_approval(approval_id)
        if approval is None:
            raise ControlRefused(f"approval {approval_id} does not exist")
        category = category.strip()
        if not category:
            raise ControlRefused("choose the correct category")
        if category == approval.classification.category:
            raise ControlRefused(f"the email is already classified as {category}")
        email = self.store.get_email(approval.email_id)
        if email is None:
            raise ControlRefused(f"the email of approval {approval_id} no longer exists")
        correction = CategoryCorrection(
            approval_id=approval_id,
            email_id=email.email_id,
            text=email_classification_text(email),
            original_category=approval.classification.category,
            corrected_category=category,
            corrected_by=actor.name,
            corrected_at=self.clock(),
        )
        self.store.save_correction(correction)
        self._audit(
            actor,
            "correct_category",
            approval_id,
            before={"category": correction.original_category},
            after={"category": category},
        )
        return correction

    def corrections(self, actor: Actor, limit: int = 10_000) -> list[CategoryCorrection]:
        """Every category correction, oldest first."""
        self._check(actor, "view")
        return self.store.list_corrections(limit)
