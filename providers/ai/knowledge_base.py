"""Knowledge-base articles on disk and TF-IDF retrieval over them.

Each article is a markdown file with a front matter block::

    ---
    id: kb-password-reset
    title: Resetting your password
    category: account
    ---
    An introductory paragraph.

    ## A section
    1. A step.

Retrieval is cosine similarity between TF-IDF vectors (word 1-2-grams plus character 3-5-grams,
so "crash" finds "crashes") of the email and of each article's title and body, preferring articles
of the email's category: another category's article is used only when the category has none that
reaches its (low) floor, and then only with a much higher floor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from providers.ai.base import KnowledgeArticle
from providers.ai.tfidf_scorer import FastScorer
from providers.errors import ProviderConfigError

#: ``<repo>/knowledge_base``.
DEFAULT_KNOWLEDGE_BASE_DIR: Path = Path(__file__).resolve().parents[2] / "knowledge_base"
#: Floor for an article of the email's category. The category is itself evidence (feature
#: requests and complaints share few words with the article on how they are handled), so an
#: in-category article only needs to share something with the email; the similarity still
#: lowers the draft's confidence.
MIN_SIMILARITY = 0.01
#: An article of another category needs more evidence (short or non-English emails otherwise
#: "match" unrelated articles through shared character n-grams).
MIN_CROSS_CATEGORY_SIMILARITY = 0.12

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?(.*)\Z", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$")
_REQUIRED_FIELDS = ("id", "title", "category")


@dataclass(frozen=True)
class ArticleSection:
    """A part of an article body under one heading (the intro has an empty heading)."""

    heading: str
    text: str


@dataclass(frozen=True)
class ArticleMatch:
    """An article retrieved for a query, with its similarity in [0, 1]."""

    article: KnowledgeArticle
    similarity: float
    in_category: bool


def parse_article(text: str, source: str = "<string>") -> KnowledgeArticle:
    """Parse one markdown article with its front matter; ``source`` names it in errors."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ProviderConfigError(f"knowledge-base article {source} has no front matter block")
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        if not line.strip():
            continue
        key, separator, value = line.partition(":")
        if not separator:
            raise ProviderConfigError(f"{source}: front matter line {line!r} is not 'key: value'")
        fields[key.strip().lower()] = value.strip()
    missing = [name for name in _REQUIRED_FIELDS if not fields.get(name)]
    if missing:
        raise ProviderConfigError(f"{source}: front matter lacks {', '.join(missing)}")
    body = match.group(2).strip()
    if not body:
        raise ProviderConfigError(f"{source}: the article body is empty")
    return KnowledgeArticle(
        article_id=fields["id"], title=fields["title"], category=fields["category"], body=body
    )


def article_sections(article: KnowledgeArticle) -> list[ArticleSection]:
    """The article body split at its headings; the first section is the intro."""
    sections: list[ArticleSection] = []
    heading = ""
    lines: list[str] = []
    for line in article.body.splitlines():
        found = _HEADING.match(line)
        if found:
            if heading or "\n".join(lines).strip():
                sections.append(ArticleSection(heading, "\n".join(lines).strip()))
            heading, lines = found.group(1), []
        else:
            lines.append(line)
    sections.append(ArticleSection(heading, "\n".join(lines).strip()))
    return sections


def _build_vectorizer() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, stop_words="english", min_df=1
                ),
            ),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ]
    )


def _scorer(vectorizer: FeatureUnion, matrix: Any) -> FastScorer:
    """Dot products of a query's features with each row of ``matrix``.

    scikit-learn's ``transform`` of one short query costs about a millisecond of validation
    and joblib dispatch; :class:`FastScorer` does the same arithmetic in microseconds.
    """
    rows = np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix)
    return FastScorer.from_parts(vectorizer, rows, np.zeros(rows.shape[0]))


def _cosine(scorer: FastScorer, query: str) -> np.ndarray:
    """Cosine similarity of ``query`` with each row ``scorer`` was built on."""
    # Each vectorizer l2-normalises its own block, so every union vector has norm sqrt(2).
    return np.asarray(scorer.decision(query), dtype=float) / 2.0


class KnowledgeBase:
    """A fixed set of articles, searchable by TF-IDF cosine similarity."""

    def __init__(self, articles: Sequence[KnowledgeArticle]) -> None:
        ids = [a.article_id for a in articles]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ProviderConfigError(f"duplicate knowledge-base article ids: {duplicates}")
        self.articles: tuple[KnowledgeArticle, ...] = tuple(articles)
        self._vectorizer: FeatureUnion | None = None
        self._scorer: FastScorer | None = None
        # Per article, its sections and a scorer of a query against each (articles are fixed).
        self._section_scorers: dict[str, tuple[list[ArticleSection], FastScorer]] = {}
        if self.articles:
            self._vectorizer = _build_vectorizer()
            documents = [f"{a.title}\n{a.title}\n{a.body}" for a in self.articles]
            self._scorer = _scorer(self._vectorizer, self._vectorizer.fit_transform(documents))

    @classmethod
    def from_directory(cls, directory: Path = DEFAULT_KNOWLEDGE_BASE_DIR) -> KnowledgeBase:
        """Load every ``*.md`` file of ``directory`` (sorted by name)."""
        if not directory.is_dir():
            raise ProviderConfigError(f"knowledge-base directory {directory} does not exist")
        return cls(
            [
                parse_article(path.read_text(encoding="utf-8"), str(path))
                for path in sorted(directory.glob("*.md"))
            ]
        )

    def get(self, article_id: str) -> KnowledgeArticle | None:
        """The article with ``article_id``, if any."""
        return next((a for a in self.articles if a.article_id == article_id), None)

    def search(
        self,
        query: str,
        category: str | None = None,
        limit: int = 1,
        min_similarity: float = MIN_SIMILARITY,
        min_cross_category_similarity: float = MIN_CROSS_CATEGORY_SIMILARITY,
    ) -> list[ArticleMatch]:
        """Up to ``limit`` articles most similar to ``query``, preferring ``category``'s.

        Articles of ``category`` with at least ``min_similarity`` come first; only when there is
        none are other articles with at least ``min_cross_category_similarity`` returned.
        """
        if self._scorer is None or not query.strip():
            return []
        scores = _cosine(self._scorer, query)
        ranked = sorted(
            (
                ArticleMatch(article, float(score), article.category == category)
                for article, score in zip(self.articles, scores, strict=True)
            ),
            key=lambda m: m.similarity,
            reverse=True,
        )
        preferred = [m for m in ranked if m.in_category and m.similarity >= min_similarity]
        if preferred:
            return preferred[:limit]
        return [m for m in ranked if m.similarity >= min_cross_category_similarity][:limit]

    def best_section(self, article: KnowledgeArticle, query: str) -> ArticleSection | None:
        """The non-intro section of ``article`` most similar to ``query`` (the first on a tie)."""
        sections = [s for s in article_sections(article) if s.heading and s.text]
        if not sections:
            return None
        if self._vectorizer is None or len(sections) == 1:
            return sections[0]
        known = self._section_scorers.get(article.article_id)
        if known is None or known[0] != sections:
            matrix = self._vectorizer.transform([f"{s.heading}\n{s.text}" for s in sections])
            known = (sections, _scorer(self._vectorizer, matrix))
            self._section_scorers[article.article_id] = known
        return sections[int(np.argmax(_cosine(known[1], query)))]
