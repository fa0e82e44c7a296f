"""Errors every provider raises, split by what the caller can do about them.

Modelled on openai-python's error tree, reduced to the one question the engine asks:
is it worth trying again?
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class for every error a provider raises."""


class TransientProviderError(ProviderError):
    """The call may succeed if tried again later (timeout, rate limit, server error)."""


class PermanentProviderError(ProviderError):
    """Trying again will not help (bad request, authentication, invalid data)."""


class ProviderConfigError(PermanentProviderError):
    """A provider setting is missing or invalid; the message names the setting and why."""


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
