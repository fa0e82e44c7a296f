"""Keeping a mailbox's push notifications up (Gmail's ``users.watch``), checked on every poll.

The watch's state (topic, label, history id, expiration, when it was made) is kept among the
cursors under ``push:<mailbox>``, where the engine keeps every source's state; the first poll
of a worker (at its start) sets the watch up, and later polls renew it when it is due. A
failure is logged and tried again at the next poll: polling goes on, so no mail waits on it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from engine.store.base import Store
from providers.email.base import EmailSource
from providers.errors import ProviderError

log = logging.getLogger(__name__)


def push_state_key(mailbox: str) -> str:
    """Where the push notification state of ``mailbox`` is kept (a cursor)."""
    return f"push:{mailbox}"


def keep_push_up(store: Store, source: EmailSource, now: datetime) -> bool:
    """Set up or renew ``source``'s push notifications when due; True when it did."""
    key = push_state_key(source.mailbox)
    if not source.pushes:
        _stop_unwanted(store, source, key)
        return False
    try:
        state = source.renew_push(store.get_cursor(key), now)
    except ProviderError as exc:
        log.warning(
            "push notifications for %s not renewed (tried again next poll): %s",
            source.mailbox,
            exc,
        )
        return False
    if state is None:
        return False
    store.set_cursor(key, state)
    log.info("push notifications for %s set up or renewed", source.mailbox)
    return True


def _stop_unwanted(store: Store, source: EmailSource, key: str) -> None:
    # Push was turned off (the topic unset) while a watch is on record: stop it rather than
    # let Gmail publish to the topic for up to a week more.
    if not store.get_cursor(key):
        return
    try:
        stopped = source.stop_push()
    except ProviderError as exc:
        log.warning(
            "push notifications for %s not stopped (tried again next poll): %s", source.mailbox, exc
        )
        return
    if stopped:
        store.set_cursor(key, "")
        log.info("push notifications for %s stopped", source.mailbox)


__all__ = ["keep_push_up", "push_state_key"]
