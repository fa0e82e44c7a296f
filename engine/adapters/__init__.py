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
from engine.store.base import Store
from providers.ai.base import AIProvider
from providers.email.base import EmailSender, EmailSource
from providers.errors import ProviderConfigError
from providers.notify.base import Notifier

#: How stale this process's copy of a shared circuit-breaker state may be (other processes'
#: failures open it here at most this much later); without it every AI call reads the store twice.
BREAKER_STATE_TTL_SECONDS = 1.0


@dataclass
class ProviderSet:
    """AI, email and notification providers, with the AI providers built on first use.

    ``ai`` is the engine's default (its configured chains); an AI node that chooses its own
    provider and model gets :meth:`ai_for`, built once per choice by ``chosen_ai_factory``.
    """

    ai_factory: Callable[[], AIProvider]
    sender: EmailSender
    notifier: Notifier
    source_factory: Callable[[Mapping[str, Any]], EmailSource]
    chosen_ai_factory: Callable[[str, str], AIProvider] | None = None
    _ai: AIProvider | None = field(default=None, init=False)
    _chosen: dict[tuple[str, str], AIProvider] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def ai(self) -> AIProvider:
        with self._lock:
            if self._ai is None:
                self._ai = self.ai_factory()
            return self._ai

    def ai_for(self, choice: str, model: str = "") -> AIProvider:
        """The AI provider an AI node chose (``default``: :attr:`ai`)."""
        if choice == "default" and not model:
            return self.ai
        if self.chosen_ai_factory is None:
            raise ProviderConfigError(
                f"this process has no way to build the AI provider {choice!r} a node chose"
            )
        with self._lock:
            key = (choice, model)
            if key not in self._chosen:
                self._chosen[key] = self.chosen_ai_factory(choice, model)
            return self._chosen[key]

    def email_source(self, trigger_config: Mapping[str, Any]) -> EmailSource:
        """The source an email trigger with ``trigger_config`` reads from."""
        return self.source_factory(trigger_config)


def remote_ai_provider(name: str, settings: Settings, model: str = "") -> AIProvider:
    """One remote provider configured from ``settings`` (keys checked by load_settings);
    ``model`` replaces its configured model (Azure: its deployment) when given."""
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
            model=model or settings.openai_model,
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
            deployment=model or settings.azure_openai_deployment or "",
            api_version=settings.azure_openai_api_version,
            pricing=Pricing(
                settings.azure_price_input_per_mtok, settings.azure_price_output_per_mtok
            ),
            **common,
        )
    if name == "compatible":
        return OpenAIProvider.compatible(
            base_url=settings.compatible_base_url or "",
            model=model or settings.compatible_model,
            api_key=secret(settings.compatible_api_key),
            **common,
        )
    if name == "anthropic":
        return AnthropicProvider.from_key(
            api_key=secret(settings.anthropic_api_key),
            model=model or settings.anthropic_model,
            base_url=settings.anthropic_base_url,
            pricing=Pricing(
                settings.anthropic_price_input_per_mtok, settings.anthropic_price_output_per_mtok
            ),
            **common,
        )
    raise ProviderConfigError(f"unknown AI provider {name!r}")


def ai_chains(settings: Settings, choice: str = "default") -> tuple[list[str], list[str]]:
    """The providers tried in order to classify and to draft for an AI node's ``choice``."""
    if choice == "default":
        return settings.ai_classify_chain.split(","), settings.ai_draft_chain.split(",")
    if choice == "local":
        return ["local"], ["local"]
    problems = settings.ai_provider_problems(choice)
    if problems:
        raise ProviderConfigError(f"the AI provider {choice!r} is not configured: {problems[0]}")
    return [choice, "local"], [choice, "local"]


def build_ai_provider(
    settings: Settings,
    choice: str = "default",
    model: str = "",
    local: Callable[[], AIProvider] | None = None,
) -> AIProvider:
    """The AI provider for an AI node's ``choice`` (``default``: the settings' chains): the
    local one, or a fallback chain whose remote links use ``model`` when given.

    A chain's remote links get a circuit breaker whose state lives in the store (shared by all
    workers) and a per-process rate limit; the local provider needs neither. ``local`` returns
    the process's shared local provider (one copy of its models however many nodes choose it).
    """
    from engine.circuit import StoreBreakerState
    from engine.store.factory import open_store
    from providers.ai.chain import FallbackChain, Link
    from providers.ai.resilience import CircuitBreaker, RateLimiter

    classify_names, draft_names = ai_chains(settings, choice)
    store = open_store(settings)
    store.setup()  # idempotent; the corrections and breaker state need their tables
    local_provider = local() if local is not None else local_ai_provider(settings, store)
    if classify_names == ["local"] and draft_names == ["local"]:
        return local_provider
    state = StoreBreakerState(store)
    links: dict[str, Link] = {"local": Link(local_provider)}
    for name in dict.fromkeys(classify_names + draft_names):
        if name == "local":
            continue
        links[name] = Link(
            remote_ai_provider(name, settings, model),
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


def local_ai_provider(settings: Settings, store: Store) -> AIProvider:
    """The local provider, learning from the agents' corrections kept in ``store``."""
    from providers.ai.local import LocalAIProvider
    from providers.ai.training_data import LabelledExample

    def corrections() -> list[LabelledExample]:
        return [
            LabelledExample(c.text, c.corrected_category, "correction")
            for c in store.list_corrections()
        ]

    return LocalAIProvider(models_dir=settings.model_store_dir, corrections=corrections)


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
    shared_local: list[AIProvider] = []
    local_lock = threading.Lock()

    def local() -> AIProvider:
        with local_lock:
            if not shared_local:
                from engine.store.factory import open_store

                store = open_store(settings)
                store.setup()
                shared_local.append(local_ai_provider(settings, store))
            return shared_local[0]

    return ProviderSet(
        ai_factory=lambda: build_ai_provider(settings, local=local),
        chosen_ai_factory=lambda choice, model: build_ai_provider(
            settings, choice, model, local=local
        ),
        sender=sender,
        notifier=notifier,
        source_factory=source,
    )
