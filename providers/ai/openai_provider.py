"""OpenAI, Azure OpenAI and any OpenAI-compatible server (Ollama, vLLM, LM Studio), through the
official ``openai`` SDK with structured outputs (``chat.completions.parse`` into pydantic).

The SDK's exceptions are mapped to ours at the boundary, most specific first: timeouts →
:class:`ProviderTimeoutError`, connection failures → transient, HTTP errors by
:func:`providers.errors.error_for_status` (429 with the server's retry-after), output that does
not parse into the schema → :class:`InvalidModelOutputError`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
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


def map_openai_error(exc: Exception, provider: str) -> ProviderError:
    """Our error for an ``openai`` SDK exception."""
    if isinstance(exc, openai.APITimeoutError):
        return ProviderTimeoutError(f"{provider}: the request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return TransientProviderError(f"{provider}: connection failed ({exc})")
    if isinstance(exc, openai.APIStatusError):
        return error_for_status(
            exc.status_code,
            f"{provider}: HTTP {exc.status_code} ({exc.message})",
            retry_after_seconds(exc.response.headers),
        )
    if isinstance(
        exc,
        openai.LengthFinishReasonError
        | openai.ContentFilterFinishReasonError
        | openai.APIResponseValidationError
        | pydantic.ValidationError
        | json.JSONDecodeError,
    ):
        return InvalidModelOutputError(f"{provider}: output failed validation ({exc})")
    return PermanentProviderError(f"{provider}: {type(exc).__name__}: {exc}")


class OpenAIProvider(RemoteAIProvider):
    """Chat completions with structured output on any OpenAI-style endpoint.

    Build it with :meth:`openai_api`, :meth:`azure` or :meth:`compatible`; ``client`` may also be
    any configured ``openai.OpenAI`` (tests point one at a loopback server).
    """

    def __init__(
        self,
        client: openai.OpenAI,
        *,
        model: str,
        name: str = "openai",
        pricing: Pricing = FREE,
        knowledge_base_dir: Path | None = None,
    ) -> None:
        super().__init__(model=model, pricing=pricing, knowledge_base_dir=knowledge_base_dir)
        self.name = name
        self._client = client

    @classmethod
    def openai_api(
        cls,
        *,
        api_key: str,
        model: str,
        timeout: float = 30.0,
        max_retries: int = 1,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> OpenAIProvider:
        """The OpenAI API itself (``base_url`` only to reach it through a proxy)."""
        if not api_key:
            raise ProviderConfigError("MAILROOM_OPENAI_API_KEY is required for the openai provider")
        client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        return cls(client, model=model, name="openai", **kwargs)

    @classmethod
    def azure(
        cls,
        *,
        endpoint: str,
        api_key: str,
        deployment: str,
        api_version: str,
        timeout: float = 30.0,
        max_retries: int = 1,
        **kwargs: Any,
    ) -> OpenAIProvider:
        """An Azure OpenAI deployment (the model is the deployment name)."""
        if not (endpoint and api_key and deployment):
            raise ProviderConfigError(
                "the azure provider needs MAILROOM_AZURE_OPENAI_ENDPOINT, "
                "MAILROOM_AZURE_OPENAI_API_KEY and MAILROOM_AZURE_OPENAI_DEPLOYMENT"
            )
        client = openai.AzureOpenAI(
            azure_endpoint=endpoint,
            api_key=api_key,
            azure_deployment=deployment,
            api_version=api_version,
            timeout=timeout,
            max_retries=max_retries,
        )
        return cls(client, model=deployment, name="azure", **kwargs)

    @classmethod
    def compatible(
        cls,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 60.0,
        max_retries: int = 1,
        **kwargs: Any,
    ) -> OpenAIProvider:
        """An OpenAI-compatible server by base URL (Ollama ``http://localhost:11434/v1``, vLLM,
        LM Studio); most ignore the key, so any placeholder is sent when none is set."""
        if not base_url:
            raise ProviderConfigError("MAILROOM_COMPATIBLE_BASE_URL is required")
        client = openai.OpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        return cls(client, model=model, name="compatible", **kwargs)

    def _complete(self, system: str, user: str, answer_type: type[AnswerT]) -> Completion[AnswerT]:
        try:
            completion = self._client.chat.completions.parse(
                model=self.model,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                response_format=answer_type,
                temperature=0,
            )
        except Exception as exc:
            raise map_openai_error(exc, self.name) from exc
        if not completion.choices:
            raise InvalidModelOutputError(f"{self.name}: the response has no choices")
        message = completion.choices[0].message
        if message.refusal:
            raise InvalidModelOutputError(f"{self.name}: the model refused ({message.refusal})")
        if message.parsed is None:
            raise InvalidModelOutputError(f"{self.name}: the response has no parsed content")
        usage = completion.usage
        return Completion(
            answer=message.parsed,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
        )
