"""Anthropic's Messages API through the official ``anthropic`` SDK, with structured output
(``messages.parse`` with ``output_format`` set to the pydantic answer type).

Errors are mapped like the OpenAI provider's: timeouts and connection failures → transient, HTTP
errors by :func:`providers.errors.error_for_status` (429 with retry-after; 529 "overloaded" is a
server error), output that does not parse → :class:`InvalidModelOutputError`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import pydantic

from providers.ai.remote import FREE, AnswerT, Completion, Pricing, RemoteAIProvider
from providers.errors import (
    InvalidModelOutputError,
    PermanentProviderError,
    ProviderConfigError,
    ProviderError,
    ProviderTimeoutError,
    TransientProviderError,
    error_for_status,
    retry_after_seconds,
)

MAX_OUTPUT_TOKENS = 2048


def map_anthropic_error(exc: Exception, provider: str) -> ProviderError:
    """Our error for an ``anthropic`` SDK exception."""
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderTimeoutError(f"{provider}: the request timed out")
    if isinstance(exc, anthropic.APIConnectionError):
        return TransientProviderError(f"{provider}: connection failed ({exc})")
    if isinstance(exc, anthropic.APIStatusError):
        return error_for_status(
            exc.status_code,
            f"{provider}: HTTP {exc.status_code} ({exc.message})",
            retry_after_seconds(exc.response.headers),
        )
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
