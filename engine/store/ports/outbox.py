"""The outbox aggregate: every side effect (reply, notification, webhook) recorded before it is
made, under an idempotency key, so a retry or a crash never makes it twice."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime

from engine.models import OutboxKind, OutboxMessage, OutboxStatus


class OutboxStore(ABC):
    """Side effects, exactly once in effect: unique on ``idempotency_key``."""

    @abstractmethod
    def reserve_outbox(self, message: OutboxMessage) -> bool:
        """Insert ``message``; return False if its ``idempotency_key`` already exists."""

    @abstractmethod
    def get_outbox(self, idempotency_key: str) -> OutboxMessage | None:
        """The outbox message with ``idempotency_key``, or None."""

    @abstractmethod
    def mark_outbox(
        self,
        idempotency_key: str,
        *,
        status: OutboxStatus,
        provider_message_id: str | None = None,
        sent_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of a reserved side effect."""

    @abstractmethod
    def list_outbox(self, kind: OutboxKind | None = None, limit: int = 100) -> list[OutboxMessage]:
        """Outbox messages (of ``kind`` if given), newest ``created_at`` first."""

    @abstractmethod
    def replies_to(self, email_ids: Sequence[str]) -> list[OutboxMessage]:
        """The replies (kind ``reply``) recorded for the emails ``email_ids``, newest
        ``created_at`` first: what a customer was answered."""

    @abstractmethod
    def count_outbox(
        self, kind: OutboxKind | None = None, status: OutboxStatus | None = None
    ) -> int:
        """How many outbox messages match ``kind`` and ``status`` (each ignored if None)."""
