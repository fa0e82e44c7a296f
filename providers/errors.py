"""Errors every provider raises, split by what the caller can do about them.

Modelled on openai-python's error tree, reduced to the one question the engine asks:
is it worth trying again?
"""

from __future__ import annotations

import contextlib
import email.utils
from collections.abc import Mapping
from datetime import UTC, datetime


class ProviderError(Exception):
    """Base class for every error a provider raises."""

    #: The HTTP status the provider answered with, when the error is one (``error_for_status``).
    status_code: int | None = None


class TransientProviderError(ProviderError):
    """The call may succeed if tried again later (timeout, rate limit, server error)."""


class PermanentProviderError(ProviderError):
    """Trying again will not help (bad request, authentication, invalid data)."""


class ProviderConfigError(PermanentProviderError):
    """A provider setting is missing or invalid; the message names the setting and why."""


class AuthenticationError(ProviderConfigError):
    """The provider refused our credentials (HTTP 401) or what they allow (403)."""


class BadRequestError(PermanentProviderError):
    """The provider refused the request as it was made (another HTTP 4xx)."""


class ServerError(TransientProviderError):
    """The provider failed on its side (HTTP 5xx, 529 "overloaded" included)."""


class RateLimitedError(TransientProviderError):
    """The provider refused the call for now (HTTP 429); ``retry_after`` seconds, if it said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderTimeoutError(TransientProviderError):
    """The provider did not answer in time."""


class InvalidModelOutputError(PermanentProviderError):
    """A model answered, but its output failed validation (not JSON, wrong shape, a category
    outside the taxonomy, an unverifiable fact): it is never used as is."""


class ProviderUnavailableError(TransientProviderError):
    """The provider is skipped for now: its circuit breaker is open or its rate limit is spent."""


def error_for_status(status: int, detail: str, retry_after: float | None = None) -> ProviderError:
    """Our error for an HTTP answer with status ``status``; ``detail`` is its message and
    ``retry_after`` the wait a 429 asked for (see :func:`retry_after_seconds`).

    408 (the server timed out waiting for us) and 409 (a conflict, such as a lock held by a
    concurrent request) are worth another try, as openai-python retries them. Any status that
    is no error at all (a redirect, an unexpected 2xx) is a permanent failure of the call.
    The error keeps ``status`` as its ``status_code``.
    """
    error = _error_for_status(status, detail, retry_after)
    error.status_code = status
    return error


def _error_for_status(status: int, detail: str, retry_after: float | None) -> ProviderError:
    if status == 429:
        return RateLimitedError(detail, retry_after)
    if status in (401, 403):
        return AuthenticationError(detail)
    if status == 408:
        return ProviderTimeoutError(detail)
    if status == 409:
        return TransientProviderError(detail)
    if status >= 500:
        return ServerError(detail)
    if status >= 400:
        return BadRequestError(detail)
    return PermanentProviderError(detail)


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The wait a 429 or 503 answer asks for, in seconds: ``retry-after-ms``, else
    ``retry-after`` as seconds or as an HTTP date; None when absent or unreadable."""
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    if "retry-after-ms" in lowered:
        with contextlib.suppress(ValueError):
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
    value = lowered.get("retry-after", "").strip()
    if value.replace(".", "", 1).isdecimal():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (ValueError, TypeError):  # not a date, or one without a time zone
        return None
