"""Retries with exponential backoff for notifiers, honouring a server's Retry-After."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from providers.errors import RateLimitedError, TransientProviderError

log = logging.getLogger("providers.notify")
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    attempts: int = 4
    initial_seconds: float = 0.5
    max_seconds: float = 30.0


DEFAULT_BACKOFF = Backoff()


def with_retries(
    channel: str,
    attempt: Callable[[], T],
    backoff: Backoff,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``attempt`` until it succeeds, a permanent error is raised, or attempts run out.

    Every attempt is logged with its outcome: the delivery log.
    """
    wait = backoff.initial_seconds
    for number in range(1, backoff.attempts + 1):
        try:
            result = attempt()
        except TransientProviderError as exc:
            if number == backoff.attempts:
                log.warning("delivery to %s failed for good (attempt %d): %s", channel, number, exc)
                raise
            delay = (
                exc.retry_after if isinstance(exc, RateLimitedError) and exc.retry_after else wait
            )
            delay = min(delay, backoff.max_seconds)
            log.info(
                "delivery to %s: attempt %d failed (%s), next in %.1fs", channel, number, exc, delay
            )
            sleep(delay)
            wait = min(wait * 2, backoff.max_seconds)
            continue
        except Exception as exc:
            log.warning("delivery to %s refused (attempt %d): %s", channel, number, exc)
            raise
        log.info("delivered to %s (attempt %d)", channel, number)
        return result
    raise AssertionError("unreachable")


__all__ = ["DEFAULT_BACKOFF", "Backoff", "with_retries"]
