"""What every remote (language-model) provider shares: retrieval for drafts, cost, error mapping.

A remote provider only has to turn a prompt into a parsed :class:`LLMClassification` or
:class:`LLMDraft` (:meth:`RemoteAIProvider._complete`); validation against the taxonomy and the
sources, usage accounting and the knowledge-base retrieval live here, once.
"""

from __future__ import annotations

import threading
import time
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from providers.ai.base import (
    AIProvider,
    Category,
    Classification,
    DraftReply,
    KnowledgeArticle,
    Usage,
)
from providers.ai.knowledge_base import DEFAULT_KNOWLEDGE_BASE_DIR, KnowledgeBase
from providers.ai.llm_schema import (
    CLASSIFY_SYSTEM,
    DRAFT_SYSTEM,
    LLMClassification,
    LLMDraft,
    classify_prompt,
    draft_prompt,
    to_classification,
    to_draft,
)
from providers.ai.text_cleaning import email_classification_text
from providers.email.base import InboundEmail

AnswerT = TypeVar("AnswerT", bound=BaseModel)

#: How many knowledge-base articles a remote draft is offered.
ARTICLES_OFFERED = 3


@dataclass(frozen=True)
class Pricing:
    """US dollars per million input and output tokens (0 for a free local server)."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """The cost of one call."""
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


#: The pricing of a server that charges nothing (a local model).
FREE = Pricing()


@dataclass(frozen=True)
class Completion(Generic[AnswerT]):
    """A parsed answer and the tokens it took."""

    answer: AnswerT
    input_tokens: int
    output_tokens: int


class RemoteAIProvider(AIProvider):
    """A language model behind an HTTP API, asked for structured output."""

    def __init__(
        self,
        *,
        model: str,
        pricing: Pricing = FREE,
        knowledge_base_dir: Path | None = None,
    ) -> None:
        self.model = model
        self.pricing = pricing
        self.knowledge_base_dir = knowledge_base_dir or DEFAULT_KNOWLEDGE_BASE_DIR
        self._knowledge_base: KnowledgeBase | None = None
        self._lock = threading.Lock()

    @abstractmethod
    def _complete(self, system: str, user: str, answer_type: type[AnswerT]) -> Completion[AnswerT]:
        """Ask the model; return its answer parsed into ``answer_type``.

        Raises :class:`TransientProviderError` or :class:`PermanentProviderError` subclasses
        (never an SDK exception), :class:`InvalidModelOutputError` for unparseable output.
        """

    def _usage(self, completion: Completion[AnswerT], started: float) -> Usage:
        return Usage(
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
            cost_usd=round(self.pricing.cost(completion.input_tokens, completion.output_tokens), 8),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _articles(self, email: InboundEmail, category: str) -> list[KnowledgeArticle]:
        with self._lock:
            if self._knowledge_base is None:
                self._knowledge_base = KnowledgeBase.from_directory(self.knowledge_base_dir)
            knowledge_base = self._knowledge_base
        matches = knowledge_base.search(
            email_classification_text(email), category=category, limit=ARTICLES_OFFERED
        )
        return [m.article for m in matches]

    def classify(self, email: InboundEmail, taxonomy: list[Category]) -> Classification:
        """Ask the model, then validate its answer against ``taxonomy`` and the email."""
        started = time.perf_counter()
        completion = self._complete(
            CLASSIFY_SYSTEM, classify_prompt(email, taxonomy), LLMClassification
        )
        result = to_classification(
            completion.answer, email, taxonomy, provider=self.name, model=self.model
        )
        return result.model_copy(update={"usage": self._usage(completion, started)})

    def draft(self, email: InboundEmail, classification: Classification) -> DraftReply:
        """Offer the best articles for the category; validate the draft against them."""
        started = time.perf_counter()
        articles = self._articles(email, classification.category)
        completion = self._complete(
            DRAFT_SYSTEM, draft_prompt(email, classification, articles), LLMDraft
        )
        result = to_draft(
            completion.answer,
            email,
            classification,
            articles,
            provider=self.name,
            model=self.model,
        )
        return result.model_copy(update={"usage": self._usage(completion, started)})
