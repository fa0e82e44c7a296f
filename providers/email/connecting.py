"""Opening a mailbox session (IMAP, POP3) with retries: a server that is down or busy is tried
again with exponential backoff (tenacity); what the server refuses for good (a wrong password, a
missing feature) is raised at once; when the attempts run out a ``TransientProviderError``
names the server and what it last said."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import wait_exponential as backoff_doubling

from providers.errors import TransientProviderError

log = logging.getLogger(__name__)
T = TypeVar("T")


def connect_with_retries(
    open_session: Callable[[], T],
    *,
    what: str,
    attempts: int,
    first_wait: float,
    sleep: Callable[[float], None],
    transient: Callable[[BaseException], bool],
    describe: Callable[[BaseException], str] = str,
) -> T:
    """``open_session()``, tried up to ``attempts`` times while ``transient(error)`` holds,
    waiting ``first_wait`` seconds after the first failure and twice as long after each next.

    ``what`` names the server in messages ("IMAP host:993"); ``describe`` turns an error into
    what the message quotes.
    """

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s: %s; retrying in %.1fs", what, error, wait)

    retrying = Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        wait=backoff_doubling(multiplier=first_wait, exp_base=2, min=0, max=float("inf")),
        retry=retry_if_exception(transient),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(open_session)
    except BaseException as exc:
        if not transient(exc):
            raise
        tried = retrying.statistics.get("attempt_number", attempts)
        raise TransientProviderError(
            f"cannot connect to {what} after {tried} attempts: {describe(exc)}"
        ) from exc


__all__ = ["connect_with_retries"]
