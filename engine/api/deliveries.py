"""``/api/v1/deliveries``: the delivery log of notifications, webhooks and escalations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from engine.api.auth import Caller, state
from engine.delivery_log import PAGE_LIMIT
from engine.service import DeliveryOutcome, DeliveryPage

router = APIRouter(prefix="/deliveries", tags=["deliveries"])


@router.get("")
def list_deliveries(
    request: Request,
    actor: Caller,
    outcome: DeliveryOutcome | None = None,
    channel: str | None = None,
    execution_id: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 50,
) -> DeliveryPage:
    """Delivery attempts newest first (when, where, attempt, HTTP status, outcome and the next
    retry), filtered by outcome, channel (slack, webhook, email, demo) and execution, with the
    total; managers and admins only."""
    return state(request).service.list_deliveries(
        actor,
        outcome=outcome,
        channel=channel,
        execution_id=execution_id,
        offset=offset,
        limit=limit,
    )
