"""Side effects exactly once in effect: reserve a key in the outbox, act, record the outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engine.models import OutboxMessage, OutboxStatus
from engine.store.base import Store
from providers.errors import PermanentProviderError


def perform_once(
    store: Store,
    message: OutboxMessage,
    act: Callable[[], str],
    now: Callable[[], datetime],
) -> OutboxMessage:
    """Run ``act`` (which returns the provider's message id) unless ``message``'s idempotency
    key was already sent; return the outbox record as it stands afterwards.

    A reservation left in ``sending`` by a crashed attempt is acted on again: every provider we
    send through receives the same message id, so the receiving side can tell it is a repeat.
    """
    if not store.reserve_outbox(message):
        existing = store.get_outbox(message.idempotency_key)
        if existing is not None and existing.status == OutboxStatus.SENT:
            return existing
    try:
        provider_id = act()
    except PermanentProviderError as exc:
        store.mark_outbox(message.idempotency_key, status=OutboxStatus.FAILED, error=str(exc))
        raise
    sent_at = now()
    store.mark_outbox(
        message.idempotency_key,
        status=OutboxStatus.SENT,
        provider_message_id=provider_id,
        sent_at=sent_at,
    )
    return message.model_copy(
        update={"status": OutboxStatus.SENT, "provider_message_id": provider_id, "sent_at": sent_at}
    )
