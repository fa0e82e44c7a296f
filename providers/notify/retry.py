"""Retries with exponential backoff for notifiers, honouring a server's Retry-After."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from providers.errors import TransientProviderError

log = logging.getLogger("providers.notify")
T = TypeVar("T")


class RetryAfter(TransientProviderError):
    """Transient, and the server said how long to wait (seconds)."""

    def __init__(self, message: str, seconds: float | None) -> None:
        super().__init__(message)
        self.seconds = seconds


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
            delay = exc.seconds if isinstance(exc, RetryAfter) and exc.seconds else wait
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


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (only the delta-seconds form is used by these APIs)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


__all__ = ["DEFAULT_BACKOFF", "Backoff", "RetryAfter", "retry_after_seconds", "with_retries"]
