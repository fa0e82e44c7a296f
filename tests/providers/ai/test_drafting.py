"""Drafts: grounded in the email and the cited article, never inventing facts."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from providers.ai.base import Category, Classification, DraftReply, Entities
from providers.ai.drafting import compose_draft, first_name
from providers.ai.entities import EntityExtractor
from providers.ai.knowledge_base import ArticleMatch, KnowledgeBase, article_sections
from providers.ai.language import detect_language
from providers.ai.local import LocalAIProvider
from providers.email.base import InboundEmail

EmailFactory = Callable[..., InboundEmail]

NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
ORDER_LIKE = re.compile(
    r"#\d{3,}|\b[A-Z]{2,5}-\d{3,}\b|\b(?:order|commande|bestellung|pedido)\s*(?:no\.?|number)?"
    r"\s*#?\s*\d{3,}",
    re.IGNORECASE,
)

# (from name, subject, body): every category, several languages, many kinds of numbers.
VARIED_EMAILS: list[tuple[str, str, str]] = [
    (
        "Tom Baker",
        "Charged twice",
        "Hello,\n\nYou charged my card twice on 3 June at 12:30 for order ORD-123456, two "
        "payments of $49.99 each. Please refund one.\n\nTom",
    ),
    ("Laura Kim", "Order #45821", "Placed order #45821 10 days ago, tracking stuck for 2 weeks."),
    (
        "Beatriz Costa",
        "Refund ORD-662045",
        "I returned the headphones (ORD-662045) 30 days ago and I am still waiting for the "
        "refund of €129.00. This is the 3rd time I write!!",
    ),
    ("", "App error", "The app shows error 500 on iOS 17.4 with version 5.2.1 of the app."),
    ("Doe, Jane", "Change my email", "How do I change the email address on my account?"),
    ("Fatima", "Idea", "Could the dashboard show times for our 3 time zones instead of UTC?"),
    (
        "Owen",
        "Complaint",
        "I waited 45 minutes on the phone, 5 times this month. Worst service ever.",
    ),
    ("Pieter", "Backpack", "Does the Terra Backpack fit a 16 inch laptop? It's for 2 kids."),
    (
        "Julie Martin",
        "Commande 458213",
        "Bonjour,\n\nJe n'ai toujours pas reçu ma commande 458213, passée il y a 12 jours.\n\n"
        "Merci,\nJulie",
    ),
    (
        "Sabine Keller",
        "Doppelte Abbuchung",
        "Guten Tag,\n\nSie haben 49,90 € zweimal abgebucht, Bestellnummer 77120.\n\nGrüße\nSabine",
    ),
    (
        "Lucía",
        "Reembolso",
        "Hola,\n\nDevolví los auriculares hace 3 semanas y no he recibido el reembolso.\n\nLucía",
    ),
    (
        "Kevin",
        "STILL CHARGED",
        "I cancelled in January and you STILL charged me $25.98 in February and March. "
        "Unacceptable. My lawyer will hear about this by Friday the 14th.",
    ),
    ("Dr. Amira Haddad", "Research plan", "Is there a plan for 20 researchers at a university?"),
    (
        "Henrik",
        "Re: Password reset",
        "It still doesn't work.\n\nOn Tue, 4 Jun 2024 at 10:15, Support <support@example.com> "
        "wrote:\n> Please use the link we sent at 09:58, valid for 15 minutes.\n",
    ),
    ("user123", "", ""),
    (
        "Marco",
        "API pagination",
        "GET /v2/orders?page=2 returns page 1 again; 3,000 orders loop forever since 2024-05-30.",
    ),
]


def _has_order_number(text: str) -> bool:
    return bool(ORDER_LIKE.search(text) or EntityExtractor().extract(text).order_numbers)


def _email_text(email: InboundEmail) -> str:
    return f"{email.from_name}\n{email.subject}\n{email.body_text}"


def _cited_text(draft: DraftReply, kb: KnowledgeBase) -> str:
    articles = [kb.get(article_id) for article_id in draft.article_ids]
    assert all(article is not None for article in articles)
    return "\n".join(f"{a.title}\n{a.body}" for a in articles if a is not None)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.from_directory()


@pytest.fixture(scope="module")
def drafts(
    provider: LocalAIProvider, make_email: EmailFactory, taxonomy: list[Category]
) -> list[tuple[InboundEmail, Classification, DraftReply]]:
    results = []
    for name, subject, body in VARIED_EMAILS:
        email = make_email(subject, body, from_name=name)
        classification = provider.classify(email, taxonomy)
        results.append((email, classification, provider.draft(email, classification)))
    return results


def test_every_number_in_a_draft_is_in_the_email_or_a_cited_article(
    drafts: list[tuple[InboundEmail, Classification, DraftReply]], kb: KnowledgeBase
) -> None:
    for email, _, draft in drafts:
        sources = _email_text(email) + "\n" + _cited_text(draft, kb)
        for number in NUMBER.findall(draft.subject + "\n" + draft.body):
            assert number in sources, (number, draft.body)
        for amount in EntityExtractor().extract(draft.body).amounts:
            assert amount in sources, (amount, draft.body)
        for order in ORDER_LIKE.findall(draft.body):
            assert order in _email_text(email) or order.split()[-1] in _email_text(email)


def test_drafts_cite_existing_articles_with_a_bounded_confidence(
    drafts: list[tuple[InboundEmail, Classification, DraftReply]], kb: KnowledgeBase
) -> None:
    for _, classification, draft in drafts:
        assert draft.provider == "local"
        assert 0.0 <= draft.confidence <= 1.0
        assert draft.language == classification.language
        for article_id in draft.article_ids:
            article = kb.get(article_id)
            assert article is not None
            assert f'"{article.title}"' in draft.body
    cited = {e.subject: d.article_ids for e, _, d in drafts}
    # An article is cited where one answers the email, in any language...
    assert cited["Charged twice"] == ["kb-double-charge"]
    assert cited["Re: Password reset"] == ["kb-password-reset"]
    assert cited["Doppelte Abbuchung"] == ["kb-double-charge"]
    assert cited["Reembolso"] == ["kb-refund-policy"]
    # ...and none where none does (no article says whether a backpack fits a 16-inch laptop).
    assert cited["Backpack"] == [] and cited[""] == []
    assert sum(1 for ids in cited.values() if ids) >= 10


def test_draft_quotes_the_order_number_of_the_email(
    provider: LocalAIProvider, make_email: EmailFactory, taxonomy: list[Category]
) -> None:
    email = make_email(
        "Where is ORD-123456?", "My order ORD-123456 has not arrived yet.", from_name="Ann"
    )
    draft = provider.draft(email, provider.classify(email, taxonomy))
    assert "ORD-123456" in draft.body


def test_draft_without_an_order_number_contains_none(
    drafts: list[tuple[InboundEmail, Classification, DraftReply]],
) -> None:
    without = [(e, d) for e, _, d in drafts if not _has_order_number(_email_text(e))]
    assert len(without) >= 8
    for _, draft in without:
        assert not ORDER_LIKE.search(draft.body), draft.body


def test_entities_not_in_the_email_are_never_copied(
    provider: LocalAIProvider, make_email: EmailFactory
) -> None:
    email = make_email("Refund", "I would like a refund for my order please.")
    invented = Classification(
        category="refund",
        category_confidence=0.9,
        priority="normal",
        priority_confidence=0.6,
        sentiment="neutral",
        sentiment_confidence=0.7,
        language="en",
        language_confidence=0.99,
        entities=Entities(order_numbers=["ORD-999999"], amounts=["$1,000.00"]),
        provider="other",
        model="other",
    )
    draft = provider.draft(email, invented)
    assert "ORD-999999" not in draft.body and "1,000.00" not in draft.body


def test_greeting_and_languages(
    drafts: list[tuple[InboundEmail, Classification, DraftReply]],
) -> None:
    by_subject = {e.subject: d for e, _, d in drafts}
    assert by_subject["Charged twice"].body.startswith("Hi Tom,\n")
    assert by_subject["Change my email"].body.startswith("Hi Jane,\n")
    assert by_subject["Research plan"].body.startswith("Hi Amira,\n")
    assert by_subject["App error"].body.startswith("Hi there,\n")
    assert by_subject[""].body.startswith("Hi there,\n")  # "user123" is not a first name
    french = by_subject["Commande 458213"]
    assert french.body.startswith("Bonjour Julie,\n") and "en anglais" in french.body
    assert french.body.rstrip().endswith("Cordialement,\nMailroom Demo Shop Support")
    assert by_subject["Doppelte Abbuchung"].body.startswith("Hallo Sabine,\n")
    assert by_subject["Reembolso"].body.startswith("Hola Lucía,\n")


def test_other_languages_cite_the_english_article_instead_of_quoting_it(
    drafts: list[tuple[InboundEmail, Classification, DraftReply]], kb: KnowledgeBase
) -> None:
    by_subject = {e.subject: d for e, _, d in drafts}
    for subject, language in (
        ("Commande 458213", "fr"),
        ("Doppelte Abbuchung", "de"),
        ("Reembolso", "es"),
    ):
        draft = by_subject[subject]
        article = kb.get(draft.article_ids[0])
        assert article is not None
        assert f'"{article.title}"' in draft.body and article.article_id in draft.body
        for section in article_sections(article):
            assert not section.text or section.text[:60] not in draft.body
        assert detect_language(draft.body).code == language
    english = by_subject["Charged twice"]
    quoted = kb.get(english.article_ids[0])
    assert quoted is not None
    assert f'Our help article "{quoted.title}" explains:' in english.body
    assert any(s.text and s.text[:60] in english.body for s in article_sections(quoted))


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        ("Jane Doe", "Jane"),
        ("Doe, Jane", "Jane"),
        ("Dr. Amira Haddad", "Amira"),
        ("Jean-Luc Picard", "Jean-Luc"),
        ("", None),
        ("user123", None),
        ("jane@example.com", None),
    ],
)
def test_first_name(display_name: str, expected: str | None) -> None:
    assert first_name(display_name) == expected


def test_empty_knowledge_base_gives_a_holding_reply(
    ai_models_dir: Path, tmp_path: Path, make_email: EmailFactory, taxonomy: list[Category]
) -> None:
    no_articles = LocalAIProvider(ai_models_dir, knowledge_base_dir=tmp_path)
    email = make_email("Refund", "Refund for ORD-123456 please, €20.", from_name="Ann")
    classification = no_articles.classify(email, taxonomy)
    draft = no_articles.draft(email, classification)
    assert draft.article_ids == []
    assert "ORD-123456" in draft.body and "€20" in draft.body
    assert draft.confidence <= 0.25


def _classified(language: str, category: str = "refund") -> Classification:
    return Classification(
        category=category,
        category_confidence=0.9,
        priority="normal",
        priority_confidence=0.8,
        sentiment="neutral",
        sentiment_confidence=0.8,
        language=language,
        language_confidence=0.9,
        provider="local",
        model="test",
    )


@pytest.mark.parametrize(
    ("language", "greeting", "closing"),
    [
        ("pt", "Olá Rita,", "Com os melhores cumprimentos,"),
        ("it", "Gentile Rita,", "Cordiali saluti,"),
        ("nl", "Beste Rita,", "Met vriendelijke groet,"),
    ],
)
def test_portuguese_italian_and_dutch_drafts_are_written_in_the_language(
    kb: KnowledgeBase, language: str, greeting: str, closing: str
) -> None:
    article = kb.get("kb-refund-policy")
    assert article is not None
    match = ArticleMatch(article, 0.4, in_category=True, reliability=0.8)
    composed = compose_draft(
        from_name="Rita Sousa",
        email_text="Refund",
        classification=_classified(language),
        match=match,
        section=None,
    )
    assert composed.body.startswith(f"{greeting}\n") and closing in composed.body
    assert f'"{article.title}"' in composed.body and composed.article_ids == [article.article_id]
    assert detect_language(composed.body).code == language


def test_without_a_matching_article_the_draft_promises_a_person_and_cites_nothing() -> None:
    composed = compose_draft(
        from_name="Ann",
        email_text="How do I activate my card?",
        classification=_classified("en", "technical"),
        match=None,
        section=None,
    )
    assert composed.article_ids == []
    assert "A member of our team will look into your message" in composed.body
    assert composed.confidence <= 0.25
