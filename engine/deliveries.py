"""Notifications sent once, with every attempt written to the delivery log as it ends.

The notifier reports each attempt (``providers.notify.base.DeliveryAttempt``); the recorder
numbers it across every try at the same outbox message and stores it. Writing the log never
fails a delivery: a missing log row is better than a notification sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from engine.delivery_log import DeliveryOutcome, DeliveryQuery, DeliveryRecord
from engine.models import OutboxMessage
from engine.side_effects import perform_once
from engine.store.base import Store
from providers.notify.base import DeliveryAttempt, Notification, Notifier

log = logging.getLogger(__name__)


def _outcome(attempt: DeliveryAttempt) -> DeliveryOutcome:
    if attempt.delivered:
        return DeliveryOutcome.DELIVERED
    return DeliveryOutcome.PARKED if attempt.retry_in is None else DeliveryOutcome.FAILED


class DeliveryRecorder:
    """The attempt listener of one outbox message: stores each attempt the notifier reports,
    numbered after the attempts already logged for that message."""

    def __init__(self, store: Store, message: OutboxMessage, now: Callable[[], datetime]) -> None:
        self._store, self._message, self._now = store, message, now
        self._earlier: int | None = None

    def __call__(self, attempt: DeliveryAttempt) -> None:
        key = self._message.idempotency_key
        try:
            if self._earlier is None:
                self._earlier = self._store.list_deliveries(
                    DeliveryQuery(outbox_id=key, limit=0)
                ).total
            at = _millisecond(self._now())
            retry_at = (
                None if attempt.retry_in is None else at + timedelta(seconds=attempt.retry_in)
            )
            self._store.record_delivery(
                DeliveryRecord(
                    outbox_id=key,
                    attempt=self._earlier + attempt.attempt,
                    execution_id=self._message.execution_id,
                    workflow_id=self._message.workflow_id,
                    channel=attempt.kind,
                    target=attempt.target,
                    outcome=_outcome(attempt),
                    at=at,
                    status_code=attempt.status_code,
                    error_class=attempt.error_class,
                    error=attempt.error,
                    next_retry_at=None if retry_at is None else _millisecond(retry_at),
                )
            )
        except Exception:  # the log is a record of the delivery, never a reason to redo it
            log.exception("could not write the delivery log of %s", key)


def notify_once(
    store: Store,
    notifier: Notifier,
    notification: Notification,
    message: OutboxMessage,
    now: Callable[[], datetime],
    *,
    ensure_lease: Callable[[], None] | None = None,
) -> OutboxMessage:
    """Deliver ``notification`` unless ``message``'s idempotency key was already sent (see
    ``perform_once``), logging each attempt; return the outbox record as it stands after."""
    recorder = DeliveryRecorder(store, message, now)

    def deliver() -> str:
        return notifier.notify(notification, recorder).delivery_id

    if ensure_lease is None:
        return perform_once(store, message, deliver, now)
    return perform_once(store, message, deliver, now, ensure_lease=ensure_lease)


def _millisecond(moment: datetime) -> datetime:
    """What both stores keep of a time (BSON dates hold milliseconds)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
