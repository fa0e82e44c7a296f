"""The delivery log's vocabulary: one record per attempt at delivering a notification or a
webhook, what a listing asks for, and a page of the answer.

A record says where the attempt went and how it ended, never what was sent: the notification
itself is the outbox message ``outbox_id`` names.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

#: The most records one page of the delivery log holds.
PAGE_LIMIT = 200


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    # The attempt failed and the notifier tries again at ``next_retry_at``.
    FAILED = "failed"
    # The attempt failed and the notifier gave up (its retries ran out, or the error is
    # permanent): the message stays unsent until the engine tries it again (a node retry, a
    # retried execution, the next escalation sweep), which the log shows as further attempts.
    PARKED = "parked"


class DeliveryRecord(BaseModel):
    """One attempt at delivering an outbox message; unique on (``outbox_id``, ``attempt``)."""

    outbox_id: str  # the outbox message's idempotency key
    attempt: int  # 1, 2, ... across every try at this message
    execution_id: str
    workflow_id: str
    channel: str  # which notifier: "slack", "webhook", "email", "demo"
    target: str  # a Slack channel, an address, or a URL without credentials or query
    outcome: DeliveryOutcome
    at: datetime
    status_code: int | None = None
    error_class: str | None = None
    error: str | None = None
    next_retry_at: datetime | None = None


class DeliveryQuery(BaseModel):
    """Which records to list (each filter ignored when None), newest first, and which page."""

    outcome: DeliveryOutcome | None = None
    channel: str | None = None
    execution_id: str | None = None
    outbox_id: str | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=0, le=PAGE_LIMIT)


class DeliveryPage(BaseModel):
    """One page of the delivery log and how many records match in all."""

    records: list[DeliveryRecord]
    total: int
