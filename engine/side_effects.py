"""Side effects exactly once in effect: reserve a key in the outbox, act, record the outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engine.models import OutboxMessage, OutboxStatus
from engine.ops import telemetry
from engine.store.base import Store
from providers.errors import PermanentProviderError


def _no_lease_check() -> None:
    return None


def perform_once(
    store: Store,
    message: OutboxMessage,
    act: Callable[[], str],
    now: Callable[[], datetime],
    *,
    ensure_lease: Callable[[], None] = _no_lease_check,
    confirm: Callable[[], str | None] | None = None,
) -> OutboxMessage:
    """Run ``act`` (which returns the provider's message id) unless ``message``'s idempotency
    key was already sent; return the outbox record as it stands afterwards.

    A reservation left in ``sending`` means an earlier try may or may not have reached the
    provider (it crashed, or the provider timed out). ``confirm`` asks the provider whether it
    has the message (returning its id, or None); only if it has not, or cannot tell, is the
    message sent again, with the same message id so the receiving side can tell it is a repeat.
    ``ensure_lease`` runs just before acting: it raises if this worker may no longer own the
    execution, so a worker whose lease expired never acts beside the new owner.
    """
    if not store.reserve_outbox(message):
        existing = store.get_outbox(message.idempotency_key)
        if existing is not None and existing.status == OutboxStatus.SENT:
            return existing
        if existing is not None and existing.status == OutboxStatus.SENDING and confirm:
            provider_id = confirm()
            if provider_id is not None:
                return _mark_sent(store, message, provider_id, now())
    ensure_lease()
    kind = str(message.kind)
    try:
        provider_id = act()
    except PermanentProviderError as exc:
        telemetry.provider_call(kind, message.channel, "send", "permanent_error")
        store.mark_outbox(message.idempotency_key, status=OutboxStatus.FAILED, error=str(exc))
        raise
    except Exception:
        telemetry.provider_call(kind, message.channel, "send", "error")
        raise
    telemetry.provider_call(kind, message.channel, "send", "ok")
    return _mark_sent(store, message, provider_id, now())


def _mark_sent(
    store: Store, message: OutboxMessage, provider_id: str, sent_at: datetime
) -> OutboxMessage:
    store.mark_outbox(
        message.idempotency_key,
        status=OutboxStatus.SENT,
        provider_message_id=provider_id,
        sent_at=sent_at,
    )
    return message.model_copy(
        update={"status": OutboxStatus.SENT, "provider_message_id": provider_id, "sent_at": sent_at}
    )
