"""The providers an engine process uses, built once from settings.

Nodes receive them through their context; providers know nothing of the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.settings import Settings
from providers.ai.base import AIProvider
from providers.email.base import EmailSender, EmailSource
from providers.notify.base import Notifier


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


def build_providers(settings: Settings) -> ProviderSet:
    """The default provider set: local AI, demo mailbox, demo outbox and demo notifier."""
    from providers.ai.local import LocalAIProvider
    from providers.email.demo import LiveDemoSource
    from providers.email.demo_outbox import DemoOutbox
    from providers.notify.demo import DemoNotifier

    def source(config: Mapping[str, Any]) -> EmailSource:
        kind = config.get("source", "demo")
        if kind != "demo":
            from providers.email.factory import build_source

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
        from providers.email.factory import build_sender

        sender = build_sender(settings)
    notifier: Notifier
    if settings.notifier == "demo":
        notifier = DemoNotifier(settings.data_dir / "notifications.jsonl")
    else:
        from providers.notify.factory import build_notifier

        notifier = build_notifier(settings)
    return ProviderSet(
        ai_factory=lambda: LocalAIProvider(models_dir=settings.model_store_dir),
        sender=sender,
        notifier=notifier,
        source_factory=source,
    )
