"""The one way mail enters the store, whatever brought it (a mailbox poll, a webhook, a file):
parse, quarantine what cannot be read, store the rest once on the right thread."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from engine.models import Email, QuarantinedMessage, new_id, utcnow
from engine.ops import telemetry
from engine.store.base import Store
from providers.email.base import AttachmentInfo, InboundEmail, RejectedMessage
from providers.email.parsing import UnparseableMessage, parse_message

Status = Literal["ingested", "duplicate", "quarantined"]

#: How long a conversation stays open to a reply whose headers do not name it.
OPEN_THREAD_WINDOW = timedelta(days=14)


def thread_for(store: Store, inbound: InboundEmail) -> str | None:
    """The thread ``inbound`` belongs to: by In-Reply-To / References first; when they are
    missing or name nothing we know, the sender's open conversation on the same subject."""
    for parent_id in [inbound.in_reply_to, *reversed(inbound.references)]:
        if parent_id:
            parent = store.find_email_by_message_id(parent_id)
            if parent is not None:
                return parent.thread_id
    subject = inbound.thread_key.partition("|")[2]
    if subject:
        recent = store.find_thread_by_key(
            inbound.mailbox, inbound.thread_key, inbound.received_at - OPEN_THREAD_WINDOW
        )
        if recent is not None:
            return recent.thread_id
    return None


def store_email(store: Store, inbound: InboundEmail) -> tuple[Email, bool]:
    """Store ``inbound`` once (unique on mailbox + Message-ID), on its thread.

    Returns the stored email and whether this call inserted it.
    """
    email = Email(**inbound.model_dump(), thread_id=thread_for(store, inbound) or new_id("thr"))
    if store.insert_email(email):
        return email, True
    existing = store.find_email_in_mailbox(inbound.mailbox, inbound.message_id)
    if existing is None:
        raise RuntimeError(f"email {inbound.message_id} is a duplicate but cannot be found")
    return existing, False


@dataclass(frozen=True)
class Outcome:
    """What happened to one message."""

    status: Status
    reason: str | None = None
    email_id: str | None = None


def quarantine(store: Store, rejected: RejectedMessage, *, mailbox: str, source: str) -> bool:
    """Keep ``rejected`` with its reason and bytes; False if the same bytes already are."""
    # Unreadable files have no bytes: their origin tells them apart.
    digest = hashlib.sha256(rejected.raw or rejected.origin.encode("utf-8")).hexdigest()
    return store.quarantine_message(
        QuarantinedMessage(
            quarantine_key=f"{mailbox}:{digest}",
            mailbox=mailbox,
            source=source,
            reason=rejected.reason,
            origin=rejected.origin,
            raw_base64=base64.b64encode(rejected.raw).decode("ascii"),
            size_bytes=len(rejected.raw),
            received_at=utcnow(),
        )
    )


def accept_raw(
    store: Store,
    raw: bytes,
    *,
    mailbox: str,
    source: str,
    origin: str = "",
    received_at: datetime | None = None,
    missing: Sequence[AttachmentInfo] = (),
) -> Outcome:
    """Parse and store one raw message; never raises for bad input, it is quarantined.

    ``missing``: attachments a webhook announced but whose content could not be had, recorded
    on the email beside those the message holds (each with the reason in ``missing``).
    """
    try:
        inbound = parse_message(raw, mailbox=mailbox, source=source, received_at=received_at)
    except UnparseableMessage as exc:
        quarantine(
            store,
            RejectedMessage(reason=exc.reason, raw=raw, origin=origin),
            mailbox=mailbox,
            source=source,
        )
        telemetry.emails_ingested(source, "quarantined")
        return Outcome("quarantined", exc.reason)
    if missing:
        inbound.attachments = [*inbound.attachments, *missing]
    email, inserted = store_email(store, inbound)
    telemetry.emails_ingested(source, "ingested" if inserted else "duplicate")
    return Outcome("ingested" if inserted else "duplicate", email.auto_reply, email.email_id)


__all__ = ["OPEN_THREAD_WINDOW", "Outcome", "accept_raw", "quarantine", "store_email", "thread_for"]


def start_executions(store: Store, email_id: str, *, source: str) -> int:
    """Start one execution of every active workflow whose email trigger reads ``source`` for
    this email's mailbox (mail pushed by a webhook, rather than polled). Return how many."""
    from engine.models import ExecutionLog, TriggeredBy, WorkflowStatus

    email = store.get_email(email_id)
    if email is None or email.auto_reply:
        return 0
    created = 0
    for workflow in store.list_workflows(WorkflowStatus.ACTIVE):
        for node in workflow.visual_data.nodes:
            config = node.config
            if node.node_type_id != "email_trigger" or config.get("source") != source:
                continue
            if config.get("mailbox", "support@mailroom.example") != email.mailbox:
                continue
            execution = ExecutionLog(
                workflow_id=workflow.workflow_id,
                workflow_version=workflow.version,
                email_id=email.email_id,
                triggered_by=TriggeredBy.API,
                input_data={"email_id": email.email_id, "message_id": email.message_id},
            )
            if store.create_execution(execution):
                store.record_workflow_executions(workflow.workflow_id, 1, utcnow())
                created += 1
    return created
