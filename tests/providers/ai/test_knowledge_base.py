"""Knowledge-base articles: parsing, coverage and retrieval."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.ai.base import KnowledgeArticle
from providers.ai.knowledge_base import KnowledgeBase, article_sections, parse_article
from providers.ai.local import multilingual_vectors
from providers.ai.taxonomy import SUPPORT_CATEGORIES
from providers.errors import ProviderConfigError


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.from_directory()


def test_shipped_articles_cover_every_category(kb: KnowledgeBase) -> None:
    assert 10 <= len(kb.articles) <= 16
    assert {a.category for a in kb.articles} == set(SUPPORT_CATEGORIES)
    assert len({a.article_id for a in kb.articles}) == len(kb.articles)


def test_parse_article() -> None:
    article = parse_article("---\nid: a1\ntitle: T\ncategory: billing\n---\nIntro.\n\n## S\n- x\n")
    assert article == KnowledgeArticle(
        article_id="a1", title="T", category="billing", body="Intro.\n\n## S\n- x"
    )
    assert [s.heading for s in article_sections(article)] == ["", "S"]


@pytest.mark.parametrize(
    "text",
    [
        "no front matter",
        "---\nid: a1\ntitle: T\n---\nbody",  # no category
        "---\nid: a1\ntitle: T\ncategory: billing\n---\n",  # empty body
        "---\nid a1\n---\nbody",  # not key: value
    ],
)
def test_malformed_articles_are_config_errors(text: str) -> None:
    with pytest.raises(ProviderConfigError):
        parse_article(text, "bad.md")


def test_missing_directory_and_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(ProviderConfigError):
        KnowledgeBase.from_directory(tmp_path / "missing")
    article = parse_article("---\nid: a1\ntitle: T\ncategory: billing\n---\nbody")
    with pytest.raises(ProviderConfigError, match="duplicate"):
        KnowledgeBase([article, article])


@pytest.mark.parametrize(
    ("query", "category", "expected"),
    [
        ("I forgot my password and the reset email never arrives", "account", "kb-password-reset"),
        ("The app crashes every time I open it", "technical", "kb-app-troubleshooting"),
        ("You charged me twice for the same order", "billing", "kb-double-charge"),
        ("Tracking says delivered but there is no parcel", "shipping", "kb-lost-parcel"),
        ("How do I return the backpack?", "refund", "kb-returns"),
        ("Please add a dark mode", "feature_request", "kb-feature-requests"),
        ("What are your opening hours?", "general_inquiry", "kb-contact"),
    ],
)
def test_search_finds_the_relevant_article(
    kb: KnowledgeBase, query: str, category: str, expected: str
) -> None:
    matches = kb.search(query, category=category)
    assert [m.article.article_id for m in matches] == [expected]
    assert matches[0].in_category and 0 < matches[0].similarity <= 1


def test_search_prefers_the_category(kb: KnowledgeBase) -> None:
    query = "I was charged twice and want a refund"
    assert kb.search(query, category="refund")[0].article.category == "refund"
    assert kb.search(query, category="billing")[0].article.category == "billing"


def test_search_without_a_relevant_article(kb: KnowledgeBase) -> None:
    assert kb.search("", category="billing") == []
    assert kb.search("zzzz qqqq", category="billing") == []
    assert KnowledgeBase([]).search("password", category="account") == []


def test_best_section(kb: KnowledgeBase) -> None:
    article = kb.get("kb-password-reset")
    assert article is not None
    section = kb.best_section(article, "the reset email does not arrive, nothing in spam")
    assert section is not None and section.heading == "If the reset email does not arrive"


def test_whole_category_articles_are_cited_however_little_the_words_overlap(
    kb: KnowledgeBase,
) -> None:
    article = kb.get("kb-feature-requests")
    assert article is not None and article.whole_category
    assert [
        m.article.article_id for m in kb.search("Could you add export to Excel?", "feature_request")
    ] == ["kb-feature-requests"]
    # The same words under a category whose articles must answer the question: nothing.
    assert kb.search("Could you add export to Excel?", category="account") == []


def test_the_answers_field_is_checked() -> None:
    header = "---\nid: a1\ntitle: T\ncategory: billing\n"
    assert parse_article(header + "answers: Whole Category\n---\nbody").whole_category
    assert not parse_article(header + "---\nbody").whole_category
    with pytest.raises(ProviderConfigError, match="'answers' must be"):
        parse_article(header + "answers: everything\n---\nbody", "bad.md")


@pytest.fixture(scope="module")
def semantic_kb() -> KnowledgeBase:
    return KnowledgeBase.from_directory(embed=multilingual_vectors)


@pytest.mark.parametrize(
    ("query", "category", "expected"),
    [
        ("I forgot my password and the reset email never arrives", "account", "kb-password-reset"),
        (
            "J'ai oublié mon mot de passe et je ne reçois pas l'e-mail",
            "account",
            "kb-password-reset",
        ),
        ("Me cobraron dos veces el mismo pedido", "billing", "kb-double-charge"),
        (
            "Das Paket ist als zugestellt markiert, aber nicht angekommen",
            "shipping",
            "kb-lost-parcel",
        ),
        ("The app crashes every time I open it", "technical", "kb-app-troubleshooting"),
    ],
)
def test_semantic_search_finds_the_answer_in_any_language(
    semantic_kb: KnowledgeBase, query: str, category: str, expected: str
) -> None:
    matches = semantic_kb.search(query, category=category)
    assert [m.article.article_id for m in matches] == [expected]
    assert 0 < matches[0].reliability <= 1


@pytest.mark.parametrize(
    ("query", "category"),
    [
        # Real BANKING77 queries whose answer is in no article of this shop's knowledge base.
        ("How do I activate my new card?", "technical"),
        ("What is the exchange rate for euros?", "billing"),
        ("Can I get a virtual card?", "account"),
    ],
)
def test_semantic_search_cites_nothing_that_does_not_answer(
    semantic_kb: KnowledgeBase, query: str, category: str
) -> None:
    assert semantic_kb.search(query, category=category) == []
    # The old floor cited whatever shared a word or two.
    assert semantic_kb.search(query, category=category, min_similarity=0.01) != []
