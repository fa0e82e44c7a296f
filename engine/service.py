"""What pages and the CLI call: reads and commands, each checked against the actor's role."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from engine.accounts import Account, AccountBook, AccountError, generate_password
from engine.adapters import ProviderSet
from engine.mail.bulk_import import ImportProgress, import_emails
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
    QuarantinedMessage,
    RollupIncrement,
    RollupRow,
    WorkerInfo,
    Workflow,
    WorkflowStatus,
    utcnow,
)
from engine.nodes.approval import ApprovalConfig
from engine.ops import privacy
from engine.ops.backfill import BackfillProgress, BackfillRefused, closed_range, rebuild_rollups
from engine.ops.health import Check, secrets_presence, system_health
from engine.ops.retrain import RetrainProgress, RetrainReport, retrain_local_classifier
from engine.roles import Actor, Role
from engine.rollups import decision_increments, hour_bucket
from engine.settings import Settings
from engine.store.base import Store
from engine.store.encryption import GENERATE_KEY_COMMAND, active_cipher
from engine.workflow_edit import validate_workflow
from providers.ai.base import PRIORITY_RANK
from providers.ai.text_cleaning import email_classification_text

__all__ = ["PERMISSIONS", "Actor", "ControlRefused", "MailroomService", "PermissionDenied", "Role"]


EVERYONE = frozenset(Role)
PERMISSIONS: dict[str, frozenset[Role]] = {
    "view": EVERYONE,
    "toggle_workflow": frozenset({Role.ADMIN, Role.MANAGER}),
    "control_execution": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "decide_approval": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "reassign_approval": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "edit_workflow": frozenset({Role.ADMIN, Role.MANAGER}),
    "view_metrics": frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST}),
    "view_settings": frozenset({Role.ADMIN}),
    "manage_users": frozenset({Role.ADMIN}),
    "run_maintenance": frozenset({Role.ADMIN}),
    # Data protection (issue 8): a customer's data, keys and the audit log are admins' only.
    "manage_privacy": frozenset({Role.ADMIN}),
}


class PermissionDenied(PermissionError):
    def __init__(self, actor: Actor, action: str) -> None:
        super().__init__(f"{actor.name} ({actor.role}) may not {action.replace('_', ' ')}")
        self.actor = actor
        self.action = action


class ControlRefused(ValueError):
    """A control (pause, resume, cancel, retry, approve...) does not apply in the current state."""


RetryMode = Literal["failed_node", "start_pinned", "start_current"]
RETRY_MODES: tuple[RetryMode, ...] = ("failed_node", "start_pinned", "start_current")

# Executions a pause-all or resume-all acts on, by what happens to them.
PAUSABLE_AT_ONCE = (ExecutionStatus.PENDING, ExecutionStatus.WAITING)
RUN_NOW_KEY = "run_now:{workflow_id}"


@dataclass(frozen=True)
class BulkResult:
    """What a bulk approval did: the ids approved, and why each other one was refused."""

    approved: list[str]
    refused: dict[str, str]


class MailroomService:
    """The engine's service API."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime] = utcnow,
        accounts: AccountBook | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.accounts = accounts

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
        before = self._status_of(execution_id)
        changed = self.store.update_execution_if(
            execution_id,
            statuses=[ExecutionStatus.PENDING, ExecutionStatus.WAITING],
            changes={"status": ExecutionStatus.PAUSED},
        ) or self.store.update_execution_if(
            execution_id, statuses=[ExecutionStatus.RUNNING], changes={"control_request": "pause"}
        )
        return self._controlled(actor, "pause", execution_id, changed, before)

    def resume(self, actor: Actor, execution_id: str) -> ExecutionLog:
        """Put a paused execution back in the queue; it continues from its next node."""
        self._check(actor, "control_execution")
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

    def cancel(self, actor: Actor, execution_id: str) -> ExecutionLog:
        """Cancel now if nobody runs it; otherwise ask its worker to stop at the next node."""
        self._check(actor, "control_execution")
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
        return self._controlled(actor, "cancel", execution_id, changed, before)

    def retry(
        self, actor: Actor, execution_id: str, mode: RetryMode = "failed_node"
    ) -> ExecutionLog:
        """Re-queue a failed or cancelled execution.

        ``failed_node`` keeps every completed node and runs again from the one that failed;
        ``start_pinned`` runs every node again on the workflow version the execution ran;
        ``start_current`` runs every node again on the workflow's current version. Side
        effects keep their keys, so a reply or notification already sent is not sent again.
        """
        self._check(actor, "control_execution")
        if mode not in RETRY_MODES:
            modes = ", ".join(RETRY_MODES)
            raise ControlRefused(f"unknown retry mode {mode!r}; use one of {modes}")
        current = self.store.get_execution(execution_id)
        if current is None:
            raise ControlRefused(f"execution {execution_id} does not exist")
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

    def dead_letters(
        self, actor: Actor, workflow_id: str | None = None, limit: int = 100
    ) -> list[ExecutionLog]:
        """Executions that failed after their last attempt, newest first, each with its error."""
        self._check(actor, "view")
        return self.store.list_executions(
            workflow_id=workflow_id, statuses=[ExecutionStatus.FAILED], limit=limit
        )

    def pause_all(self, actor: Actor, workflow_id: str) -> int:
        """Pause every unfinished execution of a workflow; running ones pause at their next node.

        Returns how many executions were paused or asked to pause.
        """
        self._check(actor, "control_execution")
        self.store.get_workflow(workflow_id)
        paused = self.store.update_executions_where(
            workflow_id, PAUSABLE_AT_ONCE, {"status": ExecutionStatus.PAUSED}
        )
        asked = self.store.update_executions_where(
            workflow_id, (ExecutionStatus.RUNNING,), {"control_request": "pause"}
        )
        self._audit(actor, "pause_all", workflow_id, after={"paused": paused, "asked": asked})
        return paused + asked

    def resume_all(self, actor: Actor, workflow_id: str) -> int:
        """Put every paused execution of a workflow back in the queue; returns how many."""
        self._check(actor, "control_execution")
        self.store.get_workflow(workflow_id)
        resumed = self.store.update_executions_where(
            workflow_id,
            (ExecutionStatus.PAUSED,),
            {"status": ExecutionStatus.PENDING, "control_request": None, "waiting_on_node": None},
        )
        self._audit(actor, "resume_all", workflow_id, after={"resumed": resumed})
        return resumed

    def run_now(self, actor: Actor, workflow_id: str) -> datetime:
        """Ask the workers to poll the workflow's triggers now rather than at their interval."""
        self._check(actor, "toggle_workflow")
        workflow = self.store.get_workflow(workflow_id)
        if workflow.status != WorkflowStatus.ACTIVE:
            raise ControlRefused(f"workflow {workflow.name!r} is off; switch it on to run it")
        requested_at = self.clock()
        self.store.set_cursor(RUN_NOW_KEY.format(workflow_id=workflow_id), requested_at.isoformat())
        self._audit(actor, "run_now", workflow_id)
        return requested_at

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
            state = current.status.value if current else "missing"
            raise ControlRefused(f"cannot {action.replace('_', ' ')} an execution that is {state}")
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
        self.store.increment_rollups(decision_increments(decided, now))
        self._audit(
            actor,
            f"approval_{decided.status.value}",
            approval.approval_id,
            before={"subject": approval.draft.subject, "body": approval.draft.body},
            after={
                "subject": decided.final_subject,
                "body": decided.final_body,
                "reason": decided.reason,
                "edited": decided.edited,
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

    # --- sign-in, workflow editing, approvals in bulk, users ----------------------------------
    def record_sign_in(self, actor: Actor, method: str) -> None:
        """Audit a person signing in (``method``: "password" or "oidc")."""
        self._audit(actor, "sign_in", actor.name, after={"method": method})

    def record_sign_out(self, actor: Actor) -> None:
        self._audit(actor, "sign_out", actor.name)

    def save_workflow(self, actor: Actor, workflow: Workflow, change: str) -> Workflow:
        """Store an edited workflow as a new version, if every node's settings and the graph
        are valid (``WorkflowRejected`` says what is not). ``change`` describes the edit."""
        self._check(actor, "edit_workflow")
        validate_workflow(workflow)
        before = self.store.get_workflow(workflow.workflow_id)
        saved = self.store.save_workflow(workflow)
        self._audit(
            actor,
            "save_workflow",
            workflow.workflow_id,
            before={"version": before.version},
            after={"version": saved.version, "change": change},
        )
        return saved

    def correct_priority(self, actor: Actor, approval_id: str, priority: str) -> Approval:
        """Correct a pending approval's priority: its place in the queue and its SLA follow.

        Priority comes from urgency cues, sentiment and customer tier rather than a trained
        model, so the correction changes this email's handling and is audited.
        """
        self._check(actor, "decide_approval")
        approval = self._pending_approval(approval_id)
        if priority not in PRIORITY_RANK:
            raise ControlRefused(f"priority must be one of {', '.join(PRIORITY_RANK)}")
        if priority == approval.priority:
            raise ControlRefused(f"the email's priority is already {priority}")
        email = self.store.get_email(approval.email_id)
        execution = self.store.get_execution(approval.execution_id)
        due_at = approval.due_at
        if email is not None and execution is not None:
            workflow = self.store.get_workflow(approval.workflow_id, execution.workflow_version)
            node = workflow.visual_data.node(approval.node_id)
            due_at = ApprovalConfig.model_validate(node.config).due_at(priority, email.received_at)
        rank = PRIORITY_RANK[priority]
        changed = approval.model_copy(
            update={"priority": priority, "priority_rank": rank, "due_at": due_at}
        )
        return self._save_pending_change(actor, "correct_priority", approval, changed, "priority")

    def reassign(self, actor: Actor, approval_id: str, assignee: str | None) -> Approval:
        """Give a pending approval to ``assignee`` (None: back to the whole queue)."""
        self._check(actor, "reassign_approval")
        approval = self._pending_approval(approval_id)
        if assignee is not None and self.accounts is not None:
            account = self.accounts.get(assignee)
            if account is None or account.role not in PERMISSIONS["decide_approval"]:
                raise ControlRefused(f"{assignee} is not someone who may decide approvals")
        changed = approval.model_copy(update={"assigned_to": assignee})
        return self._save_pending_change(
            actor, "approval_reassigned", approval, changed, "assigned_to"
        )

    def _save_pending_change(
        self, actor: Actor, action: str, approval: Approval, changed: Approval, field: str
    ) -> Approval:
        """Store ``changed`` unless the approval was decided meanwhile; audit ``field``."""
        if not self.store.update_pending_approval(changed):
            raise ControlRefused(f"approval {approval.approval_id} was decided by someone else")
        self._audit(
            actor,
            action,
            approval.approval_id,
            before={field: getattr(approval, field)},
            after={field: getattr(changed, field)},
        )
        return changed

    def assignees(self, actor: Actor) -> list[str]:
        """Names of the people an approval can be given to (those who may decide one)."""
        self._check(actor, "reassign_approval")
        if self.accounts is None:
            return []
        return sorted(
            account.name
            for account in self.accounts.accounts().values()
            if account.role in PERMISSIONS["decide_approval"]
        )

    def approve_many(self, actor: Actor, approval_ids: Sequence[str]) -> BulkResult:
        """Approve several drafts as drafted; each is decided (and audited) on its own."""
        self._check(actor, "decide_approval")
        approved: list[str] = []
        refused: dict[str, str] = {}
        for approval_id in approval_ids:
            try:
                self.approve(actor, approval_id)
            except ControlRefused as exc:
                refused[approval_id] = str(exc)
            else:
                approved.append(approval_id)
        return BulkResult(approved=approved, refused=refused)

    def audit_log(self, actor: Actor, limit: int = 100) -> list[AuditEntry]:
        """The audit log, newest first: admins only (entries hold drafts and decisions)."""
        self._check(actor, "manage_privacy")
        return self.store.list_audit(limit)

    # --- data protection (issue 8) ---------------------------------------------------------------
    def _customer_target(self, address: str) -> str:
        """How the audit log names a customer: their lookup token, never the address."""
        cipher = active_cipher()
        if cipher is None:
            return "customer"
        return "customer:" + cipher.token(address.strip().casefold(), "Email.from_address")

    def export_customer(self, actor: Actor, address: str) -> str:
        """Everything held about the customer ``address``, as JSON text (audited)."""
        self._check(actor, "manage_privacy")
        address = privacy.require_address(address)
        records = privacy.customer_records(self.store, address)
        now = self.clock()
        self._audit(actor, "privacy_export", self._customer_target(address), after=records.counts())
        return privacy.export_json(address, records, now)

    def erase_customer(self, actor: Actor, address: str) -> dict[str, int]:
        """Anonymise or delete everything held about ``address`` (see ``engine.ops.privacy``);
        return how many records of each kind were erased. The erasure is audited by counts."""
        self._check(actor, "manage_privacy")
        address = privacy.require_address(address)
        records = privacy.customer_records(self.store, address)
        privacy.erase(self.store, records, self.clock())
        counts = records.counts()
        self._audit(
            actor,
            "privacy_erase",
            self._customer_target(address),
            before=counts,
            after={"erased": sum(counts.values())},
        )
        return counts

    def rotate_key(self, actor: Actor) -> dict[str, int]:
        """Re-encrypt every protected value under the current key; return rows rewritten."""
        self._check(actor, "manage_privacy")
        cipher = active_cipher()
        if cipher is None:
            raise ControlRefused(
                "no encryption key is configured: set MAILROOM_ENCRYPTION_KEY (generate one with "
                f"{GENERATE_KEY_COMMAND}) and list the previous key in MAILROOM_ENCRYPTION_OLD_KEYS"
            )
        rewritten = self.store.reseal_all()
        self._audit(
            actor,
            "rotate_key",
            cipher.current.key_id,
            before={"old_key_ids": cipher.key_ids[1:]},
            after={"key_id": cipher.current.key_id, "rewritten": rewritten},
        )
        return rewritten

    def data_protection(self, actor: Actor, settings: Settings) -> dict[str, Any]:
        """For the Settings page: encryption state, retention policy and its last run."""
        self._check(actor, "view_settings")
        cipher = active_cipher()
        return {
            "encrypted": cipher is not None,
            "key_id": None if cipher is None else cipher.current.key_id,
            "old_key_ids": [] if cipher is None else cipher.key_ids[1:],
            "retention_days": settings.retention_days(),
            "last_retention_run": privacy.last_retention_run(self.store),
        }

    def _account_book(self) -> AccountBook:
        if self.accounts is None:
            raise ControlRefused("this service has no accounts file")
        return self.accounts

    def list_accounts(self, actor: Actor) -> list[Account]:
        self._check(actor, "manage_users")
        return sorted(self._account_book().accounts().values(), key=lambda a: a.name)

    def add_account(
        self, actor: Actor, name: str, role: Role, *, email: str | None = None, password: bool
    ) -> str | None:
        """Create an account; return its generated password (shown once), or None for an
        account that signs in through the identity provider only."""
        self._check(actor, "manage_users")
        secret = generate_password() if password else None
        try:
            account = self._account_book().add(name, role, secret, email=email)
        except AccountError as exc:
            raise ControlRefused(str(exc)) from exc
        self._audit(actor, "account_added", account.name, after={"role": role.value})
        return secret

    def set_account_role(self, actor: Actor, name: str, role: Role) -> Account:
        self._check(actor, "manage_users")
        before = self._account_book().get(name)
        try:
            account = self._account_book().set_role(name, role)
        except AccountError as exc:
            raise ControlRefused(str(exc)) from exc
        self._audit(
            actor,
            "account_role_changed",
            name,
            before={"role": before.role.value if before else None},
            after={"role": role.value},
        )
        return account

    def reset_password(self, actor: Actor, name: str) -> str:
        """Give ``name`` a new generated password and return it (shown once, never stored)."""
        self._check(actor, "manage_users")
        secret = generate_password()
        try:
            self._account_book().set_password(name, secret)
        except AccountError as exc:
            raise ControlRefused(str(exc)) from exc
        self._audit(actor, "account_password_reset", name)
        return secret

    def remove_account(self, actor: Actor, name: str) -> None:
        self._check(actor, "manage_users")
        try:
            removed = self._account_book().remove(name)
        except AccountError as exc:
            raise ControlRefused(str(exc)) from exc
        self._audit(actor, "account_removed", name, before={"role": removed.role.value})

    def health(self, actor: Actor, settings: Settings) -> list[Check]:
        """The database, workers, AI providers and mailboxes, each with its health."""
        self._check(actor, "view_settings")
        return system_health(self.store, settings)

    def secrets_status(self, actor: Actor) -> list[tuple[str, str, bool]]:
        """Which secrets are set (name, purpose, set?); never their values."""
        self._check(actor, "view_settings")
        return secrets_presence()

    def import_emails(
        self,
        actor: Actor,
        providers: ProviderSet,
        workflow_id: str,
        wanted: int,
        batch: int = 50,
    ) -> Iterator[ImportProgress]:
        """Bulk-import up to ``wanted`` emails through a workflow's trigger, yielding progress
        after each batch; audited when it ends (or is abandoned)."""
        self._check(actor, "run_maintenance")
        workflow = self.store.get_workflow(workflow_id)
        last: ImportProgress | None = None
        try:
            for progress in import_emails(self.store, providers, workflow, wanted, batch=batch):
                last = progress
                yield progress
        finally:
            self._audit(
                actor,
                "bulk_import",
                workflow_id,
                after={
                    "wanted": wanted,
                    "fetched": last.fetched if last else 0,
                    "ingested": last.ingested if last else 0,
                },
            )

    def retrain_model(
        self, actor: Actor, models_dir: Path
    ) -> Iterator[RetrainProgress | RetrainReport]:
        """Retrain the local classifier now, yielding each step; audited when it ends."""
        self._check(actor, "run_maintenance")
        report: RetrainReport | None = None
        try:
            for step in retrain_local_classifier(self.store, models_dir):
                if isinstance(step, RetrainReport):
                    report = step
                yield step
        finally:
            self._audit(
                actor,
                "retrain_model",
                "local_classifier",
                after=None
                if report is None
                else {
                    "examples": report.examples,
                    "corrections": report.corrections,
                    "holdout_accuracy": round(report.holdout_accuracy, 4),
                    "fingerprint": report.fingerprint[:12],
                },
            )

    def rebuild_rollups(
        self, actor: Actor, since: datetime, until: datetime, executions_kept_days: int = 0
    ) -> Iterator[BackfillProgress]:
        """Backfill: recompute the execution metrics' rollups of the closed hours in
        ``[since, until)`` from the stored executions, yielding progress; audited when it ends.

        ``executions_kept_days`` is the executions' retention (0: kept forever): hours older
        than that may have lost executions to the retention job, so rebuilding them would
        replace true figures with smaller ones, and is refused."""
        self._check(actor, "run_maintenance")
        last: BackfillProgress | None = None
        start, end = closed_range(since, until, self.clock())
        if executions_kept_days > 0:
            horizon = self.clock() - timedelta(days=executions_kept_days)
            if start < horizon:
                raise BackfillRefused(
                    f"executions are kept {executions_kept_days} days "
                    f"(MAILROOM_RETENTION_EXECUTIONS_DAYS): hours before "
                    f"{horizon:%Y-%m-%d %H:%M} UTC may have lost executions to retention and "
                    "cannot be rebuilt from what is left"
                )
        try:
            for progress in rebuild_rollups(self.store, start, end, self.clock()):
                last = progress
                yield progress
        finally:
            self._audit(
                actor,
                "rebuild_rollups",
                "rollups",
                after={
                    "since": start.isoformat(),
                    "until": end.isoformat(),
                    "executions_read": last.read if last else 0,
                    "rows_written": last.rows_written if last else None,
                },
            )

    # --- real mailboxes (issue 5): source health, quarantine, thread merges ----------------
    def source_health(
        self, actor: Actor, stalled_after_seconds: float = 900.0
    ) -> list[SourceHealthRow]:
        """Each polled mailbox: last successful poll, lag, errors. ``stalled`` when nothing
        succeeded for ``stalled_after_seconds``; ``failing`` while the latest polls fail."""
        self._check(actor, "view_sources")
        now = self.clock()
        rows = []
        for health in self.store.list_source_health():
            since = (
                None
                if health.last_success_at is None
                else max(0.0, (now - health.last_success_at).total_seconds())
            )
            status: Literal["ok", "failing", "stalled", "never polled"]
            if health.last_success_at is None and health.consecutive_errors == 0:
                status = "never polled"
            elif since is None or since > stalled_after_seconds:
                status = "stalled"
            elif health.consecutive_errors:
                status = "failing"
            else:
                status = "ok"
            rows.append(
                SourceHealthRow(
                    source_key=health.source_key,
                    workflow_id=health.workflow_id,
                    source=health.source,
                    mailbox=health.mailbox,
                    status=status,
                    last_success_at=health.last_success_at,
                    seconds_since_success=since,
                    lag_seconds=health.lag_seconds,
                    consecutive_errors=health.consecutive_errors,
                    total_errors=health.total_errors,
                    last_error=health.last_error,
                    total_ingested=health.total_ingested,
                    total_quarantined=health.total_quarantined,
                )
            )
        return rows

    def quarantine(self, actor: Actor, limit: int = 100) -> list[QuarantinedMessage]:
        """Messages that could not be read, newest first, with their reason."""
        self._check(actor, "view_sources")
        return self.store.list_quarantine(limit)

    def merge_threads(self, actor: Actor, source_thread_id: str, target_thread_id: str) -> int:
        """Move every email of one thread into another (an agent saw they are one case)."""
        self._check(actor, "merge_threads")
        if source_thread_id == target_thread_id:
            raise ControlRefused("a thread cannot be merged into itself")
        moved = self.store.merge_threads(source_thread_id, target_thread_id)
        if moved == 0:
            raise ControlRefused(f"thread {source_thread_id} has no emails")
        self._audit(
            actor,
            "merge_threads",
            target_thread_id,
            before={"thread_id": source_thread_id},
            after={"thread_id": target_thread_id, "emails_moved": moved},
        )
        return moved


# --- real mailboxes (issue 5): permissions and the Settings-page row ---------------------
PERMISSIONS.update(
    {
        "view_sources": frozenset({Role.ADMIN, Role.MANAGER}),
        "merge_threads": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    }
)


@dataclass(frozen=True)
class SourceHealthRow:
    """One mailbox on the Settings page."""

    source_key: str
    workflow_id: str
    source: str
    mailbox: str
    status: Literal["ok", "failing", "stalled", "never polled"]
    last_success_at: datetime | None
    seconds_since_success: float | None
    lag_seconds: float | None
    consecutive_errors: int
    total_errors: int
    last_error: str | None
    total_ingested: int
    total_quarantined: int
