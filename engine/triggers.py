"""Polling an email trigger: fetch new mail, store it once, start one execution per email."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.adapters import ProviderSet
from engine.models import (
    Email,
    ExecutionLog,
    TriggeredBy,
    Workflow,
    WorkflowNode,
    new_id,
    utcnow,
)
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.store.base import Store
from providers.email.base import InboundEmail

log = logging.getLogger(__name__)

TRIGGER_TYPE_ID = "email_trigger"


@dataclass(frozen=True)
class PollResult:
    fetched: int
    ingested: int
    duplicates: int
    executions_created: int
    polled: bool = True


def trigger_nodes(workflow: Workflow) -> list[WorkflowNode]:
    """The workflow's email trigger nodes."""
    return [n for n in workflow.visual_data.nodes if n.node_type_id == TRIGGER_TYPE_ID]


def cursor_key(workflow_id: str, node_id: str) -> str:
    return f"trigger:{workflow_id}:{node_id}"


def store_email(store: Store, inbound: InboundEmail) -> tuple[Email, bool]:
    """Store ``inbound`` once (unique on mailbox + Message-ID), threaded by its headers.

    Returns the stored email and whether this call inserted it.
    """
    thread_id: str | None = None
    for parent_id in [inbound.in_reply_to, *reversed(inbound.references)]:
        if parent_id:
            parent = store.find_email_by_message_id(parent_id)
            if parent is not None:
                thread_id = parent.thread_id
                break
    email = Email(**inbound.model_dump(), thread_id=thread_id or new_id("thr"))
    if store.insert_email(email):
        return email, True
    existing = store.find_email_by_message_id(inbound.message_id)
    if existing is None or existing.mailbox != inbound.mailbox:
        raise RuntimeError(f"email {inbound.message_id} is a duplicate but cannot be found")
    return existing, False


def poll_trigger(
    store: Store,
    providers: ProviderSet,
    workflow: Workflow,
    node: WorkflowNode,
    owner: str,
    *,
    limit: int | None = None,
    triggered_by: TriggeredBy = TriggeredBy.SCHEDULE,
    clock: Callable[[], datetime] = utcnow,
) -> PollResult:
    """Poll one trigger once, under a store lease so only one worker polls a mailbox at a time.

    The cursor is saved after the emails and executions are stored: a crash in between
    re-fetches the same mail, which the unique indexes turn into no-ops.
    """
    config = EmailTriggerConfig.model_validate(node.config)
    now = clock()
    lease = f"poll:{workflow.workflow_id}:{node.node_id}"
    hold = timedelta(seconds=max(30.0, config.check_interval_seconds * 2))
    if not store.acquire_lease(lease, owner, now + hold, now):
        return PollResult(0, 0, 0, 0, polled=False)
    try:
        key = cursor_key(workflow.workflow_id, node.node_id)
        cursor = store.get_cursor(key)
        batch = limit if limit is not None else config.batch_size
        if config.max_emails is not None:
            already = int(cursor or 0) if config.source == "demo" else 0
            batch = max(0, min(batch, config.max_emails - already))
        if batch == 0:
            return PollResult(0, 0, 0, 0)
        fetched = providers.email_source(node.config).fetch(cursor, batch)
        ingested = duplicates = created = 0
        for inbound in fetched.emails:
            email, inserted = store_email(store, inbound)
            ingested += inserted
            duplicates += not inserted
            execution = ExecutionLog(
                workflow_id=workflow.workflow_id,
                workflow_version=workflow.version,
                email_id=email.email_id,
                triggered_by=triggered_by,
                input_data={"email_id": email.email_id, "message_id": email.message_id},
                created_at=clock(),
            )
            created += store.create_execution(execution)
        if created:
            store.record_workflow_executions(workflow.workflow_id, created, clock())
        if fetched.next_cursor is not None:
            store.set_cursor(key, fetched.next_cursor)
        if fetched.emails:
            log.info(
                "polled %s: %d fetched, %d new, %d executions",
                workflow.workflow_id,
                len(fetched.emails),
                ingested,
                created,
            )
        return PollResult(len(fetched.emails), ingested, duplicates, created)
    finally:
        store.release_lease(lease, owner)
