"""The sandbox a dry run runs in: a store that keeps every write in memory and senders and
notifiers that send nothing, so the real executor and node types run with no side effect."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, cast

from engine.adapters import ProviderSet
from engine.models import (
    Approval,
    ApprovalStatus,
    Email,
    ExecutionLog,
    OutboxMessage,
    RollupIncrement,
    Workflow,
    utcnow,
)
from engine.store.base import Store, WorkflowNotFound
from providers.ai.base import AIProvider
from providers.email.base import EmailSender, EmailSource, OutgoingEmail, SendReceipt
from providers.errors import ProviderConfigError
from providers.notify.base import (
    AttemptListener,
    DeliveryReceipt,
    Notification,
    Notifier,
    ignore_attempt,
)

#: What an Approval node does in a dry run: stop there (as live, until a person decides), or
#: act as if a person had approved the draft unchanged, or rejected it.
ApprovalAssumption = Literal["wait", "approved", "rejected"]

DRY_RUN_OWNER = "dry-run"


class DryRunRefused(RuntimeError):
    """A node asked the store for something a dry run does not do (a write to a live table)."""


class Sandbox:
    """The store a dry run's executor and nodes see: emails and the workflow read, every write
    kept here, any other call refused (``DryRunRefused``) rather than passed to the live store.

    Typed as ``Store`` where it is used (``as_store``): it answers only what the executor and
    the node types call, so a new call fails a dry run loudly instead of writing live data.
    """

    def __init__(
        self,
        live: Store,
        workflow: Workflow,
        approvals: ApprovalAssumption,
        now: Callable[[], datetime],
    ) -> None:
        self._live = live
        self._workflow = workflow
        self._approvals = approvals
        self._now = now
        self._lock = threading.Lock()
        self.emails: dict[str, Email] = {}
        self.executions: dict[str, ExecutionLog] = {}
        self.approvals: dict[str, Approval] = {}
        self.outbox: dict[str, OutboxMessage] = {}
        self.rollups_dropped = 0

    def as_store(self) -> Store:
        return cast(Store, self)

    def __getattr__(self, name: str) -> Any:
        raise DryRunRefused(f"a dry run does not call the store's {name}")

    # reads
    def get_workflow(self, workflow_id: str, version: int | None = None) -> Workflow:
        if workflow_id != self._workflow.workflow_id:
            raise WorkflowNotFound(workflow_id)
        return self._workflow

    def get_email(self, email_id: str) -> Email | None:
        return self.emails.get(email_id) or self._live.get_email(email_id)

    def get_control_request(self, execution_id: str) -> str | None:
        return None

    # executions, kept here
    def write_execution(
        self,
        execution: ExecutionLog,
        *,
        owner: str,
        attempt: int,
        rollups: Iterable[RollupIncrement] | None = None,
    ) -> bool:
        with self._lock:
            self.executions[execution.execution_id] = execution
            self.rollups_dropped += len(list(rollups or ()))
        return True

    def renew_lease(
        self, execution_id: str, *, owner: str, attempt: int, lease_until: datetime
    ) -> bool:
        return True

    def increment_rollups(self, increments: Iterable[RollupIncrement]) -> None:
        with self._lock:
            self.rollups_dropped += len(list(increments))

    # approvals, decided as assumed
    def create_approval(self, approval: Approval) -> Approval:
        if self._approvals != "wait":
            approval = approval.model_copy(
                update={
                    "status": ApprovalStatus(self._approvals),
                    "decided_at": self._now(),
                    "decided_by": DRY_RUN_OWNER,
                    "final_subject": approval.draft.subject,
                    "final_body": approval.draft.body,
                    "reason": "assumed by the dry run" if self._approvals == "rejected" else None,
                }
            )
        with self._lock:
            self.approvals[approval.approval_id] = approval
        return approval

    def find_approval(self, execution_id: str, node_id: str) -> Approval | None:
        with self._lock:
            for approval in self.approvals.values():
                if approval.execution_id == execution_id and approval.node_id == node_id:
                    return approval
        return None

    def get_approval(self, approval_id: str) -> Approval | None:
        with self._lock:
            return self.approvals.get(approval_id)

    # the outbox, recorded
    def reserve_outbox(self, message: OutboxMessage) -> bool:
        with self._lock:
            if message.idempotency_key in self.outbox:
                return False
            self.outbox[message.idempotency_key] = message
        return True

    def get_outbox(self, idempotency_key: str) -> OutboxMessage | None:
        with self._lock:
            return self.outbox.get(idempotency_key)

    def mark_outbox(self, idempotency_key: str, **changes: Any) -> None:
        with self._lock:
            message = self.outbox[idempotency_key]
            self.outbox[idempotency_key] = message.model_copy(update=changes)

    def outbox_of(self, execution_id: str) -> list[OutboxMessage]:
        with self._lock:
            return [m for m in self.outbox.values() if m.execution_id == execution_id]


class RecordingSender(EmailSender):
    """A sender that sends nothing: it keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    def send(self, email: OutgoingEmail) -> SendReceipt:
        self.sent.append(email)
        return SendReceipt(provider_message_id=f"dry-run:{email.message_id}", accepted_at=utcnow())

    def find_sent(self, message_id: str) -> SendReceipt | None:
        return None


class RecordingNotifier(Notifier):
    """A notifier that notifies nobody: it keeps what it was given."""

    channel = "dry-run"

    def __init__(self) -> None:
        self.notified: list[Notification] = []

    def notify(
        self, notification: Notification, on_attempt: AttemptListener = ignore_attempt
    ) -> DeliveryReceipt:
        # Nothing is delivered, so no attempt is reported: a dry run leaves no delivery log.
        self.notified.append(notification)
        return DeliveryReceipt(
            channel=self.target(notification),
            delivery_id=f"dry-run:{len(self.notified)}",
            delivered_at=utcnow(),
        )


def sandbox_providers(live: ProviderSet) -> ProviderSet:
    """``live``'s local AI for every AI node, recorders for the sender and the notifier, and no
    mailbox (a provider set that cannot build a chosen AI provider lends its default one)."""
    local: list[AIProvider] = []

    def ai() -> AIProvider:
        if not local:
            local.append(live.ai if live.chosen_ai_factory is None else live.ai_for("local"))
        return local[0]

    def no_source(config: Mapping[str, Any]) -> EmailSource:
        raise ProviderConfigError("a dry run reads no mailbox")

    return ProviderSet(
        ai_factory=ai,
        chosen_ai_factory=lambda choice, model: ai(),
        sender=RecordingSender(),
        notifier=RecordingNotifier(),
        source_factory=no_source,
    )
