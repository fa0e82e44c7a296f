"""Retries with exponential backoff for notifiers, honouring a server's Retry-After; each
attempt is logged and reported to the caller's listener as it ends."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from providers.errors import ProviderError, RateLimitedError, TransientProviderError
from providers.notify.base import AttemptListener, DeliveryAttempt, ignore_attempt, scrubbed

log = logging.getLogger("providers.notify")
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    attempts: int = 4
    initial_seconds: float = 0.5
    max_seconds: float = 30.0


DEFAULT_BACKOFF = Backoff()


@dataclass(frozen=True)
class AttemptReporter:
    """Turns the outcome of each attempt into a ``DeliveryAttempt`` for ``listener``, with
    ``secrets`` (a token, a URL holding one) blanked from error messages."""

    kind: str
    target: str
    listener: AttemptListener = ignore_attempt
    secrets: tuple[str, ...] = ()

    def delivered(self, number: int, status_code: int | None) -> None:
        self._report(number, status_code, None, None, None)

    def failed(self, number: int, error: Exception, retry_in: float | None) -> None:
        status = error.status_code if isinstance(error, ProviderError) else None
        # A network failure is wrapped in our error: its cause names what went wrong.
        cause = error.__cause__ if status is None and error.__cause__ is not None else error
        self._report(number, status, type(cause).__name__, str(error), retry_in)

    def _report(
        self,
        number: int,
        status: int | None,
        error_class: str | None,
        error: str | None,
        retry_in: float | None,
    ) -> None:
        self.listener(
            DeliveryAttempt(
                kind=self.kind,
                target=self.target,
                attempt=number,
                at=datetime.now(UTC),
                status_code=status,
                error_class=error_class,
                error=None if error is None else scrubbed(error, self.secrets),
                retry_in=retry_in,
            )
        )


def _no_status(result: object) -> int | None:
    return None


def status_result(status_code: int) -> int | None:
    """``status_of`` for an attempt whose result is the HTTP status it was answered with."""
    return status_code


def with_retries(
    channel: str,
    attempt: Callable[[], T],
    backoff: Backoff,
    sleep: Callable[[float], None] = time.sleep,
    reporter: AttemptReporter | None = None,
    status_of: Callable[[T], int | None] = _no_status,
) -> T:
    """Run ``attempt`` until it succeeds, a permanent error is raised, or attempts run out.

    Every attempt is logged with its outcome and told to ``reporter``, before any wait; the
    HTTP status of a success is ``status_of(result)``.
    """
    report = reporter or AttemptReporter("notifier", channel)
    wait = backoff.initial_seconds
    for number in range(1, backoff.attempts + 1):
        try:
            result = attempt()
        except TransientProviderError as exc:
            said = scrubbed(str(exc), report.secrets)  # a URL in the error may hold a secret
            if number == backoff.attempts:
                log.warning(
                    "delivery to %s failed for good (attempt %d): %s", channel, number, said
                )
                report.failed(number, exc, None)
                raise
            delay = (
                exc.retry_after if isinstance(exc, RateLimitedError) and exc.retry_after else wait
            )
            delay = min(delay, backoff.max_seconds)
            log.info(
                "delivery to %s: attempt %d failed (%s), next in %.1fs",
                channel,
                number,
                said,
                delay,
            )
            report.failed(number, exc, delay)
            sleep(delay)
            wait = min(wait * 2, backoff.max_seconds)
            continue
        except Exception as exc:
            said = scrubbed(str(exc), report.secrets)
            log.warning("delivery to %s refused (attempt %d): %s", channel, number, said)
            report.failed(number, exc, None)
            raise
        log.info("delivered to %s (attempt %d)", channel, number)
        report.delivered(number, status_of(result))
        return result
    raise AssertionError("unreachable")


__all__ = ["DEFAULT_BACKOFF", "AttemptReporter", "Backoff", "status_result", "with_retries"]
