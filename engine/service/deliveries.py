"""The delivery log: every attempt at delivering a notification or a webhook, for the people who
run the engine (managers and admins)."""

from __future__ import annotations

from engine.delivery_log import DeliveryOutcome, DeliveryPage, DeliveryQuery
from engine.roles import Actor
from engine.service.core import ServiceCore
from engine.service.permissions import requires


class DeliveryOperations(ServiceCore):
    """Delivery log operations of the service."""

    @requires("view_deliveries")
    def list_deliveries(
        self,
        actor: Actor,
        *,
        outcome: DeliveryOutcome | str | None = None,
        channel: str | None = None,
        execution_id: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> DeliveryPage:
        """Delivery attempts, newest first, filtered by outcome (delivered, failed, parked),
        channel (the notifier: slack, webhook, email, demo) and execution; one page of at most
        ``limit`` (up to ``engine.delivery_log.PAGE_LIMIT``) from ``offset``, with the total.
        Raise ``ValueError`` for an unknown outcome or a page out of range."""
        query = DeliveryQuery(
            outcome=None if outcome in (None, "") else DeliveryOutcome(outcome),
            channel=channel or None,
            execution_id=execution_id or None,
            offset=offset,
            limit=limit,
        )
        return self.store.list_deliveries(query)
