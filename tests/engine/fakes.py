"""Test doubles of our own AI interface (not of any outside service)."""

from __future__ import annotations

from collections.abc import Callable

from providers.ai.base import AIProvider, Category, Classification, DraftReply
from providers.email.base import InboundEmail


class ScriptedAI(AIProvider):
    """Delegates to a real provider, but raises the scripted errors first."""

    name = "scripted"

    def __init__(
        self,
        inner: AIProvider,
        classify_errors: list[Exception] | None = None,
        on_draft: Callable[[], None] | None = None,
    ) -> None:
        self.inner = inner
        self.classify_errors = list(classify_errors or [])
        self.classify_calls = 0
        self.draft_calls = 0
        self.on_draft = on_draft

    def classify(self, email: InboundEmail, taxonomy: list[Category]) -> Classification:
        self.classify_calls += 1
        if self.classify_errors:
            raise self.classify_errors.pop(0)
        return self.inner.classify(email, taxonomy)

    def draft(self, email: InboundEmail, classification: Classification) -> DraftReply:
        self.draft_calls += 1
        if self.on_draft is not None:
            self.on_draft()
        return self.inner.draft(email, classification)
