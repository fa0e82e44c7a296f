"""Approvals: the queue, decisions (one at a time or in bulk), corrections, reassignment,
thread merges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.ai_guard import GuardThresholds, held_reasons
from engine.decisions import mark_approval_changed, record_decision
from engine.models import (
    Approval,
    ApprovalStatus,
    CategoryCorrection,
    Email,
)
from engine.nodes.approval import ApprovalConfig
from engine.roles import Actor
from engine.service.core import ServiceCore
from engine.service.permissions import PERMISSIONS, Conflict, ControlRefused, NotFound, requires
from providers.ai.base import PRIORITY_RANK
from providers.ai.text_cleaning import email_classification_text


@dataclass(frozen=True)
class BulkResult:
    """What a bulk approval did: the ids approved, and why each other one was refused.

    Every id asked for is in exactly one of the two.
    """

    approved: list[str]
    refused: dict[str, str]


#: The start of the reason a flagged draft is refused in bulk.
HELD_FOR_A_PERSON = "needs a person"


class ApprovalOperations(ServiceCore):
    """Approvals operations of the service."""

    @requires("view")
    def approval_queue(self, actor: Actor, limit: int = 100) -> list[Approval]:
        """Pending approvals, most urgent first."""
        return self.store.list_approvals(ApprovalStatus.PENDING, limit=limit)

    @requires("view")
    def get_approval(self, actor: Actor, approval_id: str) -> Approval | None:
        return self.store.get_approval(approval_id)

    @requires("view")
    def approval_for(self, actor: Actor, execution_id: str, node_id: str) -> Approval | None:
        """The approval an execution's node asked for (or is waiting on), if any."""
        return self.store.find_approval(execution_id, node_id)

    @requires("view")
    def get_email(self, actor: Actor, email_id: str) -> Email | None:
        return self.store.get_email(email_id)

    @requires("view")
    def get_emails(self, actor: Actor, email_ids: Sequence[str]) -> dict[str, Email]:
        """The stored emails among ``email_ids``, by id, in one read (for lists of
        executions or drafts that show each one's subject and customer)."""
        return self.store.get_emails(email_ids)

    @requires("decide_approval")
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

    @requires("decide_approval")
    def reject(self, actor: Actor, approval_id: str, reason: str) -> Approval:
        """Reject the draft with a reason; nothing is sent."""
        if not reason.strip():
            raise ControlRefused("give a reason for rejecting the draft")
        approval = self._pending_approval(approval_id)
        return self._decide(actor, approval, {"status": ApprovalStatus.REJECTED, "reason": reason})

    def _pending_approval(self, approval_id: str) -> Approval:
        approval = self.store.get_approval(approval_id)
        if approval is None:
            raise NotFound(f"approval {approval_id} does not exist")
        if approval.status != ApprovalStatus.PENDING:
            raise Conflict(f"approval {approval_id} was already {approval.status.value}")
        return approval

    def _decide(self, actor: Actor, approval: Approval, update: dict[str, Any]) -> Approval:
        now = self.clock()
        decided = approval.model_copy(
            update={**update, "decided_at": now, "decided_by": actor.name}
        )
        if not record_decision(self.store, decided, now):
            raise Conflict(f"approval {approval.approval_id} was decided by someone else")
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

    @requires("decide_approval")
    def record_correction(
        self, actor: Actor, approval_id: str, category: str
    ) -> CategoryCorrection:
        """Correct the category of an approval's email; the next local model learns from it.

        Agents, managers and admins may; the correction is audited. Correcting to the category
        the model chose is refused (it is not a correction).
        """
        approval = self.store.get_approval(approval_id)
        if approval is None:
            raise NotFound(f"approval {approval_id} does not exist")
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

    @requires("view")
    def corrections(self, actor: Actor, limit: int = 10_000) -> list[CategoryCorrection]:
        """Every category correction, oldest first."""
        return self.store.list_corrections(limit)

    @requires("decide_approval")
    def correct_priority(self, actor: Actor, approval_id: str, priority: str) -> Approval:
        """Correct a pending approval's priority: its place in the queue and its SLA follow.

        Priority comes from urgency cues, sentiment and customer tier rather than a trained
        model, so the correction changes this email's handling and is audited.
        """
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

    @requires("reassign_approval")
    def reassign(self, actor: Actor, approval_id: str, assignee: str | None) -> Approval:
        """Give a pending approval to ``assignee`` (None: back to the whole queue)."""
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
            raise Conflict(f"approval {approval.approval_id} was decided by someone else")
        mark_approval_changed(self.store, changed)
        self._audit(
            actor,
            action,
            approval.approval_id,
            before={field: getattr(approval, field)},
            after={field: getattr(changed, field)},
        )
        return changed

    @requires("reassign_approval")
    def assignees(self, actor: Actor) -> list[str]:
        """Names of the people an approval can be given to (those who may decide one)."""
        if self.accounts is None:
            return []
        return sorted(
            account.name
            for account in self.accounts.accounts().values()
            if account.role in PERMISSIONS["decide_approval"]
        )

    def _guard_thresholds(self) -> GuardThresholds:
        if self._settings is None:
            return GuardThresholds()
        return GuardThresholds(
            min_confidence=self._settings.ai_review_min_confidence,
            max_frustration=self._settings.ai_review_max_frustration,
        )

    @requires("view")
    def held_for_person(self, actor: Actor, approval: Approval) -> list[str]:
        """Why the guard rails insist a person reads this draft before it is sent (low
        confidence, an angry customer, an attempt to instruct the model...); empty: none.

        A draft with a reason is never approved in bulk: see :meth:`approve_many`.
        """
        return held_reasons(approval.classification, self._guard_thresholds())

    @requires("decide_approval")
    def approve_many(self, actor: Actor, approval_ids: Sequence[str]) -> BulkResult:
        """Approve several drafts as drafted; each is decided (and audited) on its own.

        A draft the guard rails hold for a person (:meth:`held_for_person`) is refused with its
        reasons, whatever the caller sent: approving it means opening it and deciding it alone.
        An id asked for twice is decided once.
        """
        approved: list[str] = []
        refused: dict[str, str] = {}
        thresholds = self._guard_thresholds()
        for approval_id in dict.fromkeys(approval_ids):
            approval = self.store.get_approval(approval_id)
            # A decided draft is refused for that (approve says so), held or not.
            reasons = (
                held_reasons(approval.classification, thresholds)
                if approval is not None and approval.status == ApprovalStatus.PENDING
                else []
            )
            if reasons:
                refused[approval_id] = (
                    f"{HELD_FOR_A_PERSON} ({'; '.join(reasons)}): open it and decide it on its own"
                )
                continue
            try:
                self.approve(actor, approval_id)
            except ControlRefused as exc:
                refused[approval_id] = str(exc)
            else:
                approved.append(approval_id)
        return BulkResult(approved=approved, refused=refused)

    @requires("merge_threads")
    def merge_threads(self, actor: Actor, source_thread_id: str, target_thread_id: str) -> int:
        """Move every email of one thread into another (an agent saw they are one case)."""
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
