"""Polling an email trigger: fetch new mail, store it once, start one execution per email."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.adapters import ProviderSet
from engine.lease import HeldLease
from engine.mail import source_health
from engine.mail.inbound import quarantine, store_email
from engine.mail.push import keep_push_up
from engine.models import (
    ExecutionLog,
    TriggeredBy,
    Workflow,
    WorkflowNode,
    utcnow,
)
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.ops import telemetry
from engine.store.base import Store
from providers.email.base import EmailSource
from providers.errors import ProviderError
from providers.notify.base import Notifier

log = logging.getLogger(__name__)

TRIGGER_TYPE_ID = "email_trigger"


@dataclass(frozen=True)
class PollResult:
    fetched: int
    ingested: int
    duplicates: int
    executions_created: int
    polled: bool = True
    quarantined: int = 0
    #: Stored but started no execution: auto-replies, bounces, list mail are never answered.
    suppressed: int = 0


def trigger_nodes(workflow: Workflow) -> list[WorkflowNode]:
    """The workflow's email trigger nodes."""
    return [n for n in workflow.visual_data.nodes if n.node_type_id == TRIGGER_TYPE_ID]


#: The cursor where ``run now`` leaves its request time for the workers to see.
RUN_NOW_KEY = "run_now:{workflow_id}"


def cursor_key(workflow_id: str, node_id: str) -> str:
    """Where a trigger's cursor is kept: the key its polling health is kept under too."""
    return source_health.source_key(workflow_id, node_id)


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
    hold = timedelta(seconds=max(30.0, config.check_interval_seconds * 2))
    lease = HeldLease(store, f"poll:{workflow.workflow_id}:{node.node_id}", owner, hold, clock)
    if not lease.acquire():
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
        source = providers.email_source(node.config)
        try:
            result = _poll_source(
                store,
                source,
                workflow,
                node,
                config,
                key,
                cursor,
                batch,
                triggered_by,
                clock,
                providers.notifier,
                lease,
            )
        finally:
            source.close()
        return result
    finally:
        lease.release()


def _poll_source(
    store: Store,
    source: EmailSource,
    workflow: Workflow,
    node: WorkflowNode,
    config: EmailTriggerConfig,
    key: str,
    cursor: str | None,
    batch: int,
    triggered_by: TriggeredBy,
    clock: Callable[[], datetime],
    notifier: Notifier | None = None,
    lease: HeldLease | None = None,
) -> PollResult:
    health = {
        "workflow_id": workflow.workflow_id,
        "node_id": node.node_id,
        "source": config.source,
        "mailbox": config.mailbox,
    }
    try:
        fetched = source.fetch(cursor, batch)
    except ProviderError as exc:
        if notifier is not None:
            source_health.record_failure(
                store,
                **health,
                at=clock(),
                error=str(exc),
                notifier=notifier,
                alert_after=config.alert_after_failures,
                now=clock,
            )
        raise
    quarantined = sum(
        quarantine(store, rejected, mailbox=config.mailbox, source=config.source)
        for rejected in fetched.rejected
    )
    ingested = duplicates = created = suppressed = 0
    for inbound in fetched.emails:
        email, inserted = store_email(store, inbound)
        ingested += inserted
        duplicates += not inserted
        if email.auto_reply:
            suppressed += 1
            continue
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
    telemetry.emails_ingested(config.source, "ingested", ingested)
    telemetry.emails_ingested(config.source, "duplicate", duplicates)
    telemetry.emails_ingested(config.source, "quarantined", quarantined)
    if fetched.next_cursor is not None:
        if lease is not None:
            # Another poller owns the mailbox now: what was stored stays (deduplicated), but
            # the cursor is its to move.
            lease.ensure()
        store.set_cursor(key, fetched.next_cursor)
    try:
        source.processed(fetched)
    except ProviderError as exc:
        # Stored and past the cursor already: a failed flag or move loses nothing.
        log.warning("could not mark processed mail in %s: %s", config.mailbox, exc)
    keep_push_up(store, source, clock())
    if notifier is not None:
        source_health.record_success(
            store,
            **health,
            at=clock(),
            ingested=ingested,
            quarantined=quarantined,
            newest_received_at=max((e.received_at for e in fetched.emails), default=None),
        )
    if fetched.emails or fetched.rejected:
        log.info(
            "polled %s: %d fetched, %d new, %d executions, %d quarantined, %d not answerable",
            workflow.workflow_id,
            len(fetched.emails),
            ingested,
            created,
            quarantined,
            suppressed,
        )
    return PollResult(
        len(fetched.emails), ingested, duplicates, created, True, quarantined, suppressed
    )
