"""Compose a reply from a per-category template and a knowledge-base article.

The draft is grounded by construction: apart from fixed template sentences (which contain no
numbers, dates, amounts, time frames or policies), it only contains

* the customer's first name, from the email's ``From`` name;
* order numbers and amounts that occur verbatim in the email;
* the cited article's title, its introduction and its section most relevant to the email, quoted
  word for word — so any policy or time frame in the draft is the article's.

Replies are in English; for French, German and Spanish emails the greeting and closing are in the
customer's language, with a one-line note that the rest is in English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from providers.ai.base import Classification, Entities, KnowledgeArticle
from providers.ai.knowledge_base import ArticleMatch, ArticleSection, article_sections

#: Similarity at which retrieval is considered fully reliable for the confidence.
FULL_RETRIEVAL_SIMILARITY = 0.25
SIGNATURE = "Mailroom Demo Shop Support"

_ACKNOWLEDGEMENTS: dict[str, str] = {
    "technical": "Thank you for letting us know about this technical problem.",
    "billing": "Thank you for your message about billing. We want every charge to be clear to you.",
    "account": "Thank you for getting in touch about your account.",
    "feature_request": "Thank you for taking the time to share your suggestion with us.",
    "shipping": "Thank you for contacting us about your delivery.",
    "refund": "Thank you for contacting us about your return and refund.",
    "complaint": (
        "Thank you for telling us about your experience. I am sorry that we have let you down, "
        "and I want to make sure this is looked at properly."
    ),
    "general_inquiry": "Thank you for your question.",
}
_DEFAULT_ACKNOWLEDGEMENT = "Thank you for contacting us."
_SORRY = "I am sorry for the inconvenience this has caused."
_NO_ARTICLE = "A member of our team will look into your message and reply to you personally."
_FOLLOW_UP = "If this does not solve it, simply reply to this email and we will help you further."

_GREETING_WITH_NAME = {
    "en": "Hi {name},",
    "fr": "Bonjour {name},",
    "de": "Hallo {name},",
    "es": "Hola {name},",
}
_GREETING = {"en": "Hi there,", "fr": "Bonjour,", "de": "Guten Tag,", "es": "Hola,"}
_CLOSING = {
    "en": "Best regards,",
    "fr": "Cordialement,",
    "de": "Mit freundlichen Grüßen,",
    "es": "Saludos cordiales,",
}
_ENGLISH_NOTE = {
    "fr": "Merci pour votre message. Notre réponse détaillée ci-dessous est en anglais.",
    "de": "Vielen Dank für Ihre Nachricht. Unsere ausführliche Antwort unten ist auf Englisch.",
    "es": "Gracias por su mensaje. Nuestra respuesta detallada a continuación está en inglés.",
}
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|['\-])*$")  # letters, inner ' and -
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "m", "mme", "herr", "frau"})
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|rv|réf)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class ComposedDraft:
    """The text of a draft, the articles it cites and its confidence."""

    body: str
    article_ids: list[str]
    confidence: float


def reply_subject(subject: str) -> str:
    """``"Re: "`` + ``subject``, unless it already starts with a reply prefix."""
    subject = subject.strip()
    if not subject:
        return "Re: your message"
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def first_name(from_name: str) -> str | None:
    """The first name in a ``From`` display name ("Doe, Jane", "Dr. Jane Doe" give "Jane")."""
    name = from_name.strip().strip("\"'")
    if "@" in name:
        return None
    if "," in name:
        name = name.split(",", 1)[1].strip()
    words = [w for w in name.split() if w.rstrip(".").lower() not in _TITLES]
    first = words[0] if words else ""
    return first if _NAME.match(first) else None


def _language(code: str) -> str:
    return code if code in _GREETING else "en"


def _occurs(value: str, text: str) -> bool:
    """``value`` appears in ``text`` as a whole token ("12345" is not in "ORD-123456")."""
    return bool(value) and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text) is not None


def _verified_entities(entities: Entities, email_text: str) -> tuple[list[str], list[str]]:
    """Order numbers and amounts of ``entities`` that really occur in ``email_text``."""
    return (
        [value for value in entities.order_numbers if _occurs(value, email_text)],
        [value for value in entities.amounts if _occurs(value, email_text)],
    )


def _reference_line(orders: Sequence[str], amounts: Sequence[str]) -> str | None:
    parts: list[str] = []
    if orders:
        label = "order" if len(orders) == 1 else "orders"
        parts.append(f"{label} {', '.join(orders)}")
    if amounts:
        label = "the amount" if len(amounts) == 1 else "the amounts"
        parts.append(f"{label} {', '.join(amounts)}")
    return f"For reference, you mentioned {' and '.join(parts)}." if parts else None


def _section_text(section: ArticleSection) -> str:
    return f"{section.heading}:\n{section.text}" if section.heading else section.text


def _article_block(article: KnowledgeArticle, section: ArticleSection | None) -> str:
    intro = article_sections(article)[0]
    parts = [f'Our help article "{article.title}" explains:']
    if intro.text and not intro.heading:
        parts.append(intro.text)
    if section is not None:
        parts.append(_section_text(section))
    return "\n\n".join(parts)


def draft_confidence(category_confidence: float, match: ArticleMatch | None) -> float:
    """Geometric mean of the category confidence and a retrieval score.

    The retrieval score is the article's similarity relative to
    :data:`FULL_RETRIEVAL_SIMILARITY` (capped at 1), reduced by a fifth for an article of
    another category. Without an article the draft is a holding reply: a quarter of the
    category confidence.
    """
    if match is None:
        return round(0.25 * category_confidence, 3)
    retrieval = min(1.0, match.similarity / FULL_RETRIEVAL_SIMILARITY)
    if not match.in_category:
        retrieval *= 0.8
    return round(min(1.0, math.sqrt(category_confidence * retrieval)), 3)


def compose_draft(
    *,
    from_name: str,
    email_text: str,
    classification: Classification,
    match: ArticleMatch | None,
    section: ArticleSection | None,
) -> ComposedDraft:
    """Assemble the reply body; ``email_text`` is the full text entities are checked against."""
    language = _language(classification.language)
    name = first_name(from_name)
    greeting = _GREETING_WITH_NAME[language].format(name=name) if name else _GREETING[language]
    paragraphs = [greeting]
    if language in _ENGLISH_NOTE:
        paragraphs.append(_ENGLISH_NOTE[language])
    opening = _ACKNOWLEDGEMENTS.get(classification.category, _DEFAULT_ACKNOWLEDGEMENT)
    if classification.sentiment == "negative" and classification.category != "complaint":
        opening = f"{opening} {_SORRY}"
    paragraphs.append(opening)
    reference = _reference_line(*_verified_entities(classification.entities, email_text))
    if reference:
        paragraphs.append(reference)
    if match is not None:
        paragraphs.append(_article_block(match.article, section))
        paragraphs.append(_FOLLOW_UP)
    else:
        paragraphs.append(_NO_ARTICLE)
    paragraphs.append(f"{_CLOSING[language]}\n{SIGNATURE}")
    return ComposedDraft(
        body="\n\n".join(paragraphs),
        article_ids=[match.article.article_id] if match else [],
        confidence=draft_confidence(classification.category_confidence, match),
    )
