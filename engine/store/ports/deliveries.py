"""The delivery log aggregate: every attempt at delivering a notification or a webhook."""

from __future__ import annotations

from abc import ABC, abstractmethod

from engine.delivery_log import DeliveryPage, DeliveryQuery, DeliveryRecord


class DeliveryLogStore(ABC):
    """Delivery attempts, unique on (``outbox_id``, ``attempt``)."""

    @abstractmethod
    def record_delivery(self, record: DeliveryRecord) -> bool:
        """Insert ``record``; return False (and change nothing) if its outbox message already
        has a record of that attempt number."""

    @abstractmethod
    def list_deliveries(self, query: DeliveryQuery) -> DeliveryPage:
        """The records matching ``query``, newest ``at`` first (then the highest attempt, then
        ``outbox_id``), from ``query.offset``, at most ``query.limit``; with the total
        matching."""
