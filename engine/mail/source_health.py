"""How each mailbox's polling goes, and the alert when one stalls.

Written by ``poll_trigger`` under its poll lease, so one writer at a time per mailbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from engine.deliveries import notify_once
from engine.models import OutboxKind, OutboxMessage, SourceHealth
from engine.store.base import Store
from providers.errors import ProviderError
from providers.notify.base import Notification, Notifier

log = logging.getLogger(__name__)

MailboxState = Literal["ok", "failing", "stalled", "never polled"]
#: A mailbox with no successful poll for this long (or three check intervals, if longer) is
#: stalled, even if no poll failed: nobody is polling it.
STALLED_AFTER_SECONDS = 900.0


def source_key(workflow_id: str, node_id: str) -> str:
    """The key a trigger's polling health is stored under (the same as its cursor's)."""
    return f"trigger:{workflow_id}:{node_id}"


def mailbox_state(
    health: SourceHealth | None,
    *,
    alert_after_failures: int,
    check_interval_seconds: float,
    now: datetime,
) -> MailboxState:
    """The one rule for a mailbox's state, for the Settings page and the readiness probe.

    Stalled: as many failed polls in a row as the trigger alerts after, or no successful poll
    for :data:`STALLED_AFTER_SECONDS` (three check intervals if longer). Failing: the latest
    polls failed, fewer than that. Never polled: no poll has been recorded.
    """
    if health is None or (health.last_success_at is None and health.consecutive_errors == 0):
        return "never polled"
    if health.consecutive_errors >= alert_after_failures:
        return "stalled"
    quiet_for = max(STALLED_AFTER_SECONDS, 3 * check_interval_seconds)
    last = health.last_success_at
    if last is not None and (now - last).total_seconds() > quiet_for:
        return "stalled"
    return "failing" if health.consecutive_errors else "ok"


def _current(
    store: Store, workflow_id: str, node_id: str, source: str, mailbox: str
) -> SourceHealth:
    key = source_key(workflow_id, node_id)
    found = store.get_source_health(key)
    if found is not None:
        return found.model_copy(update={"source": source, "mailbox": mailbox})
    return SourceHealth(
        source_key=key, workflow_id=workflow_id, node_id=node_id, source=source, mailbox=mailbox
    )


def record_success(
    store: Store,
    *,
    workflow_id: str,
    node_id: str,
    source: str,
    mailbox: str,
    at: datetime,
    ingested: int,
    quarantined: int,
    newest_received_at: datetime | None,
) -> SourceHealth:
    """A poll that reached the mailbox: clear the run of errors, note the lag."""
    health = _current(store, workflow_id, node_id, source, mailbox)
    lag = health.lag_seconds
    if newest_received_at is not None:
        lag = max(0.0, (at - newest_received_at).total_seconds())
    updated = health.model_copy(
        update={
            "last_attempt_at": at,
            "last_success_at": at,
            "consecutive_errors": 0,
            "total_ingested": health.total_ingested + ingested,
            "total_quarantined": health.total_quarantined + quarantined,
            "lag_seconds": lag,
            "alerted_at": None,
        }
    )
    store.save_source_health(updated)
    return updated


def record_failure(
    store: Store,
    *,
    workflow_id: str,
    node_id: str,
    source: str,
    mailbox: str,
    at: datetime,
    error: str,
    notifier: Notifier,
    alert_after: int,
    now: Callable[[], datetime],
) -> SourceHealth:
    """A poll that failed; after ``alert_after`` failures in a row, alert the team once."""
    health = _current(store, workflow_id, node_id, source, mailbox)
    updated = health.model_copy(
        update={
            "last_attempt_at": at,
            "last_error": error[:2000],
            "last_error_at": at,
            "consecutive_errors": health.consecutive_errors + 1,
            "total_errors": health.total_errors + 1,
        }
    )
    if updated.consecutive_errors >= alert_after and updated.alerted_at is None:
        try:
            _alert(store, updated, notifier, now)
            updated = updated.model_copy(update={"alerted_at": at})
        except ProviderError as exc:
            log.warning("could not alert about the stalled mailbox %s: %s", mailbox, exc)
    store.save_source_health(updated)
    return updated


def _alert(
    store: Store, health: SourceHealth, notifier: Notifier, now: Callable[[], datetime]
) -> None:
    since = health.last_success_at.isoformat() if health.last_success_at else "never"
    notification = Notification(
        title=f"Mailbox {health.mailbox} is not being read",
        text=f"{health.consecutive_errors} polls in a row failed. Last error: {health.last_error}",
        severity="urgent",
        fields={"Source": health.source, "Last successful poll": since},
    )
    started = health.last_success_at.isoformat() if health.last_success_at else "start"
    message = OutboxMessage(
        idempotency_key=f"alert:stalled:{health.source_key}:{started}",
        kind=OutboxKind.NOTIFICATION,
        execution_id=f"source:{health.source_key}",
        workflow_id=health.workflow_id,
        channel=notifier.channel,
        to=notifier.channel,
        subject=notification.title,
        body=notification.text,
    )
    notify_once(store, notifier, notification, message, now)


__all__ = ["mailbox_state", "record_failure", "record_success", "source_key"]
