"""Interface of the AI family: classify an email and draft a grounded reply."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Literal

from pydantic import BaseModel, Field

from providers.email.base import InboundEmail

Priority = Literal["low", "normal", "high", "urgent"]
Sentiment = Literal["positive", "neutral", "negative"]

PRIORITY_RANK: dict[str, int] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


class Category(BaseModel):
    """One entry of a workflow's taxonomy: the name the model outputs and what it means."""

    name: str
    description: str = ""


class Entities(BaseModel):
    """Facts a classifier found in the email text, verbatim."""

    order_numbers: list[str] = Field(default_factory=list)
    amounts: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)


class Usage(BaseModel):
    """What one model call cost: tokens in and out, money, time."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0


class Classification(BaseModel):
    """What an AI provider concluded about one email, with a confidence for each part."""

    category: str
    category_confidence: float = Field(ge=0.0, le=1.0)
    priority: Priority
    priority_confidence: float = Field(ge=0.0, le=1.0)
    #: Why the priority is what it is, one short phrase per rule that fired ("deadline: by
    #: Friday"); empty for providers that give no reasons and for data stored before it existed.
    priority_reasons: list[str] = Field(default_factory=list)
    sentiment: Sentiment
    sentiment_confidence: float = Field(ge=0.0, le=1.0)
    language: str
    language_confidence: float = Field(ge=0.0, le=1.0)
    entities: Entities = Field(default_factory=Entities)
    provider: str
    model: str
    #: How frustrated the customer sounds, 0 (not at all) to 1 (furious).
    frustration: float = Field(default=0.0, ge=0.0, le=1.0)
    #: Set by the guard rails: this email must be seen by a person whatever the workflow says.
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    usage: Usage | None = None


class KnowledgeArticle(BaseModel):
    """A knowledge-base article a draft may rely on."""

    article_id: str
    title: str
    category: str
    body: str
    #: The article answers every email of its category (how feature requests or complaints are
    #: handled), so it is cited for any of them however little the words overlap.
    whole_category: bool = False


class DraftReply(BaseModel):
    """A reply proposed to an agent, with the articles it relied on."""

    subject: str
    body: str
    article_ids: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    language: str = "en"
    provider: str
    model: str
    usage: Usage | None = None


class AIProvider(ABC):
    """Classifies emails and drafts replies."""

    name: str

    @abstractmethod
    def classify(self, email: InboundEmail, taxonomy: list[Category]) -> Classification:
        """Classify ``email`` into one of ``taxonomy``'s categories, never a name outside it."""

    @abstractmethod
    def draft(self, email: InboundEmail, classification: Classification) -> DraftReply:
        """Draft a reply that states no fact absent from the email or the cited articles."""
