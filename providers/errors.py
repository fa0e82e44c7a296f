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
