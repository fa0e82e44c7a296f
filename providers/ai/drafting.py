"""Compose a reply from a per-category template and a knowledge-base article.

The draft is grounded by construction: apart from fixed template sentences (which contain no
numbers, dates, amounts, time frames or policies), it only contains

* the customer's first name, from the email's ``From`` name;
* order numbers and amounts that occur verbatim in the email;
* the cited article's title, its introduction and its section most relevant to the email, quoted
  word for word — so any policy or time frame in the draft is the article's.

The template sentences are in the customer's language for English, French, German, Spanish,
Portuguese, Italian and Dutch (:mod:`.draft_phrases`). The articles are English: an English
customer gets the article quoted; the others get it cited by title and id (a quoted English
article outweighed the rest and made most of the reply English), which the agent can attach or
explain. Other languages get the English template and the quote. Without an article that answers
the email (retrieval below its measured floor) the draft cites nothing and says an agent will
reply personally.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from providers.ai.base import Classification, Entities, KnowledgeArticle
from providers.ai.draft_phrases import (
    ACKNOWLEDGEMENTS,
    ARTICLE_CITATION,
    ARTICLE_INTRO,
    DEFAULT_ACKNOWLEDGEMENT,
    FOLLOW_UP,
    NO_ARTICLE,
    REFERENCE,
    SORRY,
)
from providers.ai.knowledge_base import ArticleMatch, ArticleSection, article_sections

SIGNATURE = "Mailroom Demo Shop Support"

_GREETING_WITH_NAME = {
    "en": "Hi {name},",
    "fr": "Bonjour {name},",
    "de": "Hallo {name},",
    "es": "Hola {name},",
    "pt": "Olá {name},",
    "it": "Gentile {name},",
    "nl": "Beste {name},",
}
_GREETING = {
    "en": "Hi there,",
    "fr": "Bonjour,",
    "de": "Guten Tag,",
    "es": "Hola,",
    "pt": "Olá,",
    "it": "Buongiorno,",
    "nl": "Goedendag,",
}
_CLOSING = {
    "en": "Best regards,",
    "fr": "Cordialement,",
    "de": "Mit freundlichen Grüßen,",
    "es": "Saludos cordiales,",
    "pt": "Com os melhores cumprimentos,",
    "it": "Cordiali saluti,",
    "nl": "Met vriendelijke groet,",
}
_THANKS = {
    "fr": "Merci pour votre message.",
    "de": "Vielen Dank für Ihre Nachricht.",
    "es": "Gracias por su mensaje.",
    "pt": "Obrigado pela sua mensagem.",
    "it": "Grazie per il suo messaggio.",
    "nl": "Bedankt voor uw bericht.",
}
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|['\-])*$")  # letters, inner ' and -
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "m", "mme", "herr", "frau"})


@dataclass(frozen=True)
class ComposedDraft:
    """The text of a draft, the articles it cites and its confidence."""

    body: str
    article_ids: list[str]
    confidence: float


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


def _reference_line(
    orders: Sequence[str], amounts: Sequence[str], language: str = "en"
) -> str | None:
    sentence, order, orders_label, amount, amounts_label, conjunction = REFERENCE[language]
    parts: list[str] = []
    if orders:
        parts.append(f"{order if len(orders) == 1 else orders_label} {', '.join(orders)}")
    if amounts:
        parts.append(f"{amount if len(amounts) == 1 else amounts_label} {', '.join(amounts)}")
    return sentence.format(what=f" {conjunction} ".join(parts)) if parts else None


def _section_text(section: ArticleSection) -> str:
    return f"{section.heading}:\n{section.text}" if section.heading else section.text


def _article_block(
    article: KnowledgeArticle, section: ArticleSection | None, language: str = "en"
) -> str:
    intro = article_sections(article)[0]
    parts = [ARTICLE_INTRO[language].format(title=article.title)]
    if intro.text and not intro.heading:
        parts.append(intro.text)
    if section is not None:
        parts.append(_section_text(section))
    return "\n\n".join(parts)


def draft_confidence(category_confidence: float, match: ArticleMatch | None) -> float:
    """Geometric mean of the category confidence and a retrieval score.

    The retrieval score is the match's reliability (its similarity relative to the level at which
    it counts as fully reliable), reduced by a fifth for an article of another category. Without
    an article the draft is a holding reply: a quarter of the category confidence.
    """
    if match is None:
        return round(0.25 * category_confidence, 3)
    retrieval = match.reliability
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
    if language in _THANKS:
        paragraphs.append(_THANKS[language])
    opening = ACKNOWLEDGEMENTS[language].get(
        classification.category, DEFAULT_ACKNOWLEDGEMENT[language]
    )
    if classification.sentiment == "negative" and classification.category != "complaint":
        opening = f"{opening} {SORRY[language]}"
    paragraphs.append(opening)
    orders, amounts = _verified_entities(classification.entities, email_text)
    reference = _reference_line(orders, amounts, language)
    if reference:
        paragraphs.append(reference)
    if match is not None and language in ARTICLE_CITATION:
        article = match.article
        citation = ARTICLE_CITATION[language]
        paragraphs.append(citation.format(title=article.title, article_id=article.article_id))
        paragraphs.append(FOLLOW_UP[language])
    elif match is not None:
        paragraphs.append(_article_block(match.article, section, language))
        paragraphs.append(FOLLOW_UP[language])
    else:
        paragraphs.append(NO_ARTICLE[language])
    paragraphs.append(f"{_CLOSING[language]}\n{SIGNATURE}")
    return ComposedDraft(
        body="\n\n".join(paragraphs),
        article_ids=[match.article.article_id] if match else [],
        confidence=draft_confidence(classification.category_confidence, match),
    )
