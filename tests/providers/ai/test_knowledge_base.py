"""Knowledge-base articles: parsing, coverage and retrieval."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.ai.base import KnowledgeArticle
from providers.ai.knowledge_base import KnowledgeBase, article_sections, parse_article
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
