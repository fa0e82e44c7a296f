"""Anthropic's Messages API through the official ``anthropic`` SDK, with structured output
(``messages.parse`` with ``output_format`` set to the pydantic answer type).

Errors are mapped like the OpenAI provider's: 429 → :class:`RateLimitedError` with retry-after,
timeouts, connection failures, 5xx and 529 (overloaded) → transient, other 4xx → permanent, output
that does not parse → :class:`InvalidModelOutputError`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import pydantic

from providers.ai.remote import (
    FREE,
    AnswerT,
    Completion,
    Pricing,
    RemoteAIProvider,
    retry_after_seconds,
)
from providers.errors import (
    InvalidModelOutputError,
    PermanentProviderError,
    ProviderConfigError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitedError,
    TransientProviderError,
)

MAX_OUTPUT_TOKENS = 2048


def map_anthropic_error(exc: Exception, provider: str) -> ProviderError:
    """Our error for an ``anthropic`` SDK exception."""
    if isinstance(exc, anthropic.RateLimitError):
        return RateLimitedError(
            f"{provider}: rate limited (429)", retry_after_seconds(dict(exc.response.headers))
        )
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderTimeoutError(f"{provider}: the request timed out")
    if isinstance(exc, anthropic.APIConnectionError):
        return TransientProviderError(f"{provider}: connection failed ({exc})")
    if isinstance(exc, anthropic.APIStatusError):
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            return TransientProviderError(f"{provider}: HTTP {exc.status_code}")
        return PermanentProviderError(f"{provider}: HTTP {exc.status_code} ({exc.message})")
    if isinstance(
        exc,
        anthropic.APIResponseValidationError | pydantic.ValidationError | json.JSONDecodeError,
    ):
        return InvalidModelOutputError(f"{provider}: output failed validation ({exc})")
    return PermanentProviderError(f"{provider}: {type(exc).__name__}: {exc}")


class AnthropicProvider(RemoteAIProvider):
    """Claude models with structured output."""

    name = "anthropic"

    def __init__(
        self,
        client: anthropic.Anthropic,
        *,
        model: str,
        pricing: Pricing = FREE,
        knowledge_base_dir: Path | None = None,
    ) -> None:
        super().__init__(model=model, pricing=pricing, knowledge_base_dir=knowledge_base_dir)
        self._client = client

    @classmethod
    def from_key(
        cls,
        *,
        api_key: str,
        model: str,
        timeout: float = 30.0,
        max_retries: int = 1,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> AnthropicProvider:
        """A client on Anthropic's API (``base_url`` only for a proxy)."""
        if not api_key:
            raise ProviderConfigError(
                "MAILROOM_ANTHROPIC_API_KEY is required for the anthropic provider"
            )
        client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        return cls(client, model=model, **kwargs)

    def _complete(self, system: str, user: str, answer_type: type[AnswerT]) -> Completion[AnswerT]:
        try:
            message = self._client.messages.parse(
                model=self.model,
                max_tokens=MAX_OUTPUT_TOKENS,
                system=system,
                messages=[{"role": "user", "content": user}],
                output_format=answer_type,
            )
        except Exception as exc:
            raise map_anthropic_error(exc, self.name) from exc
        if message.stop_reason == "max_tokens":
            raise InvalidModelOutputError(f"{self.name}: the answer was cut at max_tokens")
        parsed = message.parsed_output
        if parsed is None:
            raise InvalidModelOutputError(f"{self.name}: the response has no parsed content")
        return Completion(
            answer=parsed,
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
        )
