"""The providers an engine process uses, built once from settings.

Nodes receive them through their context; providers know nothing of the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from engine.settings import Settings
from providers.ai.base import AIProvider
from providers.email.base import EmailSender, EmailSource
from providers.errors import ProviderConfigError
from providers.notify.base import Notifier

#: How stale this process's copy of a shared circuit-breaker state may be (other processes'
#: failures open it here at most this much later); without it every AI call reads the store twice.
BREAKER_STATE_TTL_SECONDS = 1.0


@dataclass
class ProviderSet:
    """AI, email and notification providers, with the AI provider built on first use."""

    ai_factory: Callable[[], AIProvider]
    sender: EmailSender
    notifier: Notifier
    source_factory: Callable[[Mapping[str, Any]], EmailSource]
    _ai: AIProvider | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def ai(self) -> AIProvider:
        with self._lock:
            if self._ai is None:
                self._ai = self.ai_factory()
            return self._ai

    def email_source(self, trigger_config: Mapping[str, Any]) -> EmailSource:
        """The source an email trigger with ``trigger_config`` reads from."""
        return self.source_factory(trigger_config)


def _remote_provider(name: str, settings: Settings) -> AIProvider:
    """One remote provider configured from ``settings`` (keys checked by load_settings)."""
    from providers.ai.anthropic_provider import AnthropicProvider
    from providers.ai.openai_provider import OpenAIProvider
    from providers.ai.remote import Pricing

    def secret(value: SecretStr | None) -> str:
        return value.get_secret_value() if value is not None else ""

    common: dict[str, Any] = {
        "timeout": settings.ai_timeout_seconds,
        "max_retries": settings.ai_max_retries,
    }
    if name == "openai":
        return OpenAIProvider.openai_api(
            api_key=secret(settings.openai_api_key),
            model=settings.openai_model,
            base_url=settings.openai_base_url,
            pricing=Pricing(
                settings.openai_price_input_per_mtok, settings.openai_price_output_per_mtok
            ),
            **common,
        )
    if name == "azure":
        return OpenAIProvider.azure(
            endpoint=settings.azure_openai_endpoint or "",
            api_key=secret(settings.azure_openai_api_key),
            deployment=settings.azure_openai_deployment or "",
            api_version=settings.azure_openai_api_version,
            pricing=Pricing(
                settings.azure_price_input_per_mtok, settings.azure_price_output_per_mtok
            ),
            **common,
        )
    if name == "compatible":
        return OpenAIProvider.compatible(
            base_url=settings.compatible_base_url or "",
            model=settings.compatible_model,
            api_key=secret(settings.compatible_api_key),
            **common,
        )
    if name == "anthropic":
        return AnthropicProvider.from_key(
            api_key=secret(settings.anthropic_api_key),
            model=settings.anthropic_model,
            base_url=settings.anthropic_base_url,
            pricing=Pricing(
                settings.anthropic_price_input_per_mtok, settings.anthropic_price_output_per_mtok
            ),
            **common,
        )
    raise ProviderConfigError(f"unknown AI provider {name!r}")


def build_ai_provider(settings: Settings) -> AIProvider:
    """The AI provider the settings ask for: the local one, or a fallback chain.

    A chain's remote links get a circuit breaker whose state lives in the store (shared by all
    workers) and a per-process rate limit; the local provider needs neither.
    """
    from engine.circuit import StoreBreakerState
    from engine.store.factory import open_store
    from providers.ai.chain import FallbackChain, Link
    from providers.ai.local import LocalAIProvider
    from providers.ai.resilience import CircuitBreaker, RateLimiter
    from providers.ai.training_data import LabelledExample

    store = open_store(settings)
    store.setup()  # idempotent; the corrections and breaker state need their tables

    def corrections() -> list[LabelledExample]:
        return [
            LabelledExample(c.text, c.corrected_category, "correction")
            for c in store.list_corrections()
        ]

    classify_names = settings.ai_classify_chain.split(",")
    draft_names = settings.ai_draft_chain.split(",")
    local = LocalAIProvider(models_dir=settings.model_store_dir, corrections=corrections)
    if classify_names == ["local"] and draft_names == ["local"]:
        return local
    state = StoreBreakerState(store)
    links: dict[str, Link] = {"local": Link(local)}
    for name in dict.fromkeys(classify_names + draft_names):
        if name == "local":
            continue
        links[name] = Link(
            _remote_provider(name, settings),
            breaker=CircuitBreaker(
                name,
                state,
                failure_threshold=settings.ai_circuit_failures,
                cooldown_seconds=settings.ai_circuit_cooldown_seconds,
                shared_state_ttl_seconds=BREAKER_STATE_TTL_SECONDS,
            ),
            limiter=RateLimiter(name, settings.ai_rate_limit_per_minute),
        )
    return FallbackChain([links[n] for n in classify_names], [links[n] for n in draft_names])


def build_providers(settings: Settings) -> ProviderSet:
    """The default provider set: local AI, demo mailbox, demo outbox and demo notifier."""
    from providers.email.demo import LiveDemoSource
    from providers.email.demo_outbox import DemoOutbox
    from providers.notify.demo import DemoNotifier

    def source(config: Mapping[str, Any]) -> EmailSource:
        kind = config.get("source", "demo")
        if kind != "demo":
            from engine.adapters.email import build_source

            return build_source(config, settings)
        return LiveDemoSource(
            mailbox=str(config.get("mailbox", "support@mailroom.example")),
            seed=int(config.get("demo_seed") or settings.demo_seed),
            category_mix=config.get("demo_category_mix"),
            priority_mix=config.get("demo_priority_mix"),
            sentiment_mix=config.get("demo_sentiment_mix"),
        )

    sender: EmailSender
    if settings.email_sender == "demo":
        sender = DemoOutbox(settings.demo_outbox_dir)
    else:
        from engine.adapters.email import build_sender

        sender = build_sender(settings)
    notifier: Notifier
    if settings.notifier == "demo":
        notifier = DemoNotifier(settings.data_dir / "notifications.jsonl")
    else:
        from engine.adapters.notify import build_notifier

        notifier = build_notifier(settings)
    return ProviderSet(
        ai_factory=lambda: build_ai_provider(settings),
        sender=sender,
        notifier=notifier,
        source_factory=source,
    )
