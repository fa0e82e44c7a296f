"""Approval timeouts: when nobody decides in time, notify, reassign or reject, once.

One worker at a time escalates (a store lease), so each escalation's notification is sent once;
``mark_escalated`` is conditional, so a human decision that lands first always wins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from engine.decisions import mark_approval_changed, record_decision
from engine.deliveries import notify_once
from engine.models import (
    SYSTEM_ACTOR,
    Approval,
    ApprovalStatus,
    AuditEntry,
    OutboxKind,
    OutboxMessage,
)
from engine.store.base import Store
from providers.notify.base import Notification, Notifier

log = logging.getLogger(__name__)

LEASE_NAME = "approval-escalations"
DEFAULT_CHANNEL = "#support-escalations"


def escalate_due_approvals(
    store: Store,
    notifier: Notifier,
    owner: str,
    clock: Callable[[], datetime],
    limit: int = 100,
) -> int:
    """Escalate pending approvals whose timeout passed; return how many were escalated."""
    now = clock()
    if not store.acquire_lease(LEASE_NAME, owner, now + timedelta(seconds=60), now):
        return 0
    escalated = 0
    try:
        for approval in store.list_due_escalations(now, limit):
            if _escalate(store, notifier, approval, clock):
                escalated += 1
    finally:
        store.release_lease(LEASE_NAME, owner)
    return escalated


def _escalate(
    store: Store, notifier: Notifier, approval: Approval, clock: Callable[[], datetime]
) -> bool:
    now = clock()
    if approval.on_timeout == "notify":
        _notify(store, notifier, approval, clock)
    update: dict[str, object] = {"escalated_at": now}
    if approval.on_timeout == "reassign":
        update["assigned_to"] = approval.escalate_to
    marked = approval.model_copy(update=update)
    if not store.mark_escalated(marked):
        return False  # decided by a human meanwhile, or escalated by someone else
    after: dict[str, object] = {"on_timeout": approval.on_timeout, "to": approval.escalate_to}
    if approval.on_timeout == "reject":
        rejected = marked.model_copy(
            update={
                "status": ApprovalStatus.REJECTED,
                "decided_at": now,
                "decided_by": SYSTEM_ACTOR,
                "reason": "nobody decided before the approval timeout; nothing was sent",
            }
        )
        record_decision(store, rejected, now)
    elif approval.on_timeout == "reassign":
        mark_approval_changed(store, marked)
    store.append_audit(
        AuditEntry(
            at=now,
            actor=SYSTEM_ACTOR,
            role="system",
            action=f"approval_escalated_{approval.on_timeout}",
            target=approval.approval_id,
            after=after,
        )
    )
    log.info("approval %s escalated: %s", approval.approval_id, approval.on_timeout)
    return True


def _notify(
    store: Store, notifier: Notifier, approval: Approval, clock: Callable[[], datetime]
) -> None:
    channel = approval.escalate_to or DEFAULT_CHANNEL
    waited = clock() - approval.created_at
    notification = Notification(
        title="Approval waiting too long",
        text=(
            f"A {approval.priority} draft has waited {int(waited.total_seconds() // 60)} minutes"
            f" for a decision: {approval.draft.subject}"
        ),
        severity="urgent" if approval.priority in ("urgent", "high") else "warning",
        fields={"Approval": approval.approval_id, "Category": approval.classification.category},
        channel=channel,
    )
    message = OutboxMessage(
        idempotency_key=f"escalation:{approval.approval_id}",
        kind=OutboxKind.NOTIFICATION,
        execution_id=approval.execution_id,
        workflow_id=approval.workflow_id,
        email_id=approval.email_id,
        channel=channel,
        to=channel,
        subject=notification.title,
        body=notification.text,
    )
    notify_once(store, notifier, notification, message, clock)
