"""Knowledge-base articles on disk and retrieval over them.

Each article is a markdown file with a front matter block::

    ---
    id: kb-password-reset
    title: Resetting your password
    category: account
    answers: whole category      (optional: cite it for every email of its category)
    ---
    An introductory paragraph.

    ## A section
    1. A step.

Retrieval prefers articles of the email's category: another category's article is used only when
the category has none that reaches its floor, and then only with a higher floor. Similarity is

* semantic when the knowledge base is given an embedder (the local provider passes the
  multilingual sentence encoder): the cosine of the email's vector with the best of each article's
  title and sections, so a French email finds the English article that answers it;
* otherwise cosine similarity between TF-IDF vectors (word 1-2-grams plus character 3-5-grams, so
  "crash" finds "crashes") of the email and of each article's title and body.

The floors are measured, not guessed: :mod:`.evaluate_retrieval` scores them on real customer
queries (BANKING77) labelled with the article that answers them, or none. Below its floor no
article is cited and the draft says an agent will follow up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from providers.ai import tfidf_features
from providers.ai.base import KnowledgeArticle
from providers.ai.tfidf_features import TfidfBlock, TfidfSettings
from providers.ai.tfidf_scorer import FastScorer
from providers.errors import ProviderConfigError

#: ``<repo>/knowledge_base``.
DEFAULT_KNOWLEDGE_BASE_DIR: Path = Path(__file__).resolve().parents[2] / "knowledge_base"
#: TF-IDF floors for an article of the email's category and of another category: the pair with
#: the best F1 of "cites the answering article, or nothing" on half of the labelled BANKING77
#: queries (:mod:`.evaluate_retrieval`; 0.01 before, which made every draft cite something).
MIN_SIMILARITY = 0.10
MIN_CROSS_CATEGORY_SIMILARITY = 0.20
#: The same two floors for semantic similarity (multilingual sentence vectors).
MIN_SEMANTIC_SIMILARITY = 0.30
MIN_CROSS_CATEGORY_SEMANTIC_SIMILARITY = 0.52
#: An email in another language than the (English) articles sits further from them in the
#: multilingual space even when it says the same: the mean cosine between an English sentence and
#: its translation is 0.74-0.83 (fr 0.83, es 0.81, pt 0.82, it 0.77, de 0.75, nl 0.74, over the
#: drafts' parallel template sentences), so for such an email the semantic floors and the level
#: of full reliability are scaled by their mean.
CROSS_LINGUAL_FACTOR = 0.78
#: Similarity at which a match counts as fully reliable for the draft's confidence: about the
#: 75th percentile of correct matches on the labelled queries.
FULL_TFIDF_SIMILARITY = 0.25
FULL_SEMANTIC_SIMILARITY = 0.50
#: Characters of a section embedded (the encoder reads the start of a text).
_SECTION_CHARS = 600

#: Texts to L2-normalised vectors, one row per text.
Embedder = Callable[[Sequence[str]], np.ndarray]

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
    """An article retrieved for a query, with its similarity and how reliable that is.

    ``reliability`` in [0, 1] is the similarity relative to the level at which the kind of
    similarity used (semantic or TF-IDF) counts as fully reliable.
    """

    article: KnowledgeArticle
    similarity: float
    in_category: bool
    reliability: float = 1.0


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
    answers = fields.get("answers", "").strip().lower()
    if answers not in ("", "whole category"):
        raise ProviderConfigError(
            f"{source}: 'answers' must be 'whole category' (or be left out), not {answers!r}"
        )
    return KnowledgeArticle(
        article_id=fields["id"],
        title=fields["title"],
        category=fields["category"],
        body=body,
        whole_category=answers == "whole category",
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


#: The TF-IDF features: word 1-2-grams without English stop words, character 3-5-grams.
TFIDF_FEATURES: tuple[TfidfSettings, ...] = (
    TfidfSettings("word", (1, 2), stop_words="english"),
    TfidfSettings("char_wb", (3, 5)),
)


def _scorer(blocks: Sequence[TfidfBlock], texts: Sequence[str]) -> FastScorer:
    """Dot products of a query's features with the features of each of ``texts``."""
    rows = np.hstack([block.transform(texts) for block in blocks])
    return FastScorer(blocks, rows, np.zeros(rows.shape[0]))


def _cosine(scorer: FastScorer, query: str) -> np.ndarray:
    """Cosine similarity of ``query`` with each row ``scorer`` was built on."""
    # Each vectorizer l2-normalises its own block, so every union vector has norm sqrt(2).
    return np.asarray(scorer.decision(query), dtype=float) / 2.0


class KnowledgeBase:
    """A fixed set of articles, searchable by semantic (with an ``embed``) or TF-IDF similarity."""

    def __init__(self, articles: Sequence[KnowledgeArticle], embed: Embedder | None = None) -> None:
        ids = [a.article_id for a in articles]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ProviderConfigError(f"duplicate knowledge-base article ids: {duplicates}")
        self.articles: tuple[KnowledgeArticle, ...] = tuple(articles)
        self._blocks: tuple[TfidfBlock, ...] = ()
        self._scorer: FastScorer | None = None
        # Per article, its sections and a scorer of a query against each (articles are fixed).
        self._section_scorers: dict[str, tuple[list[ArticleSection], FastScorer]] = {}
        self._embed = embed
        # Per article, the rows of its title and sections in the chunk matrix (built lazily: the
        # encoder loads on first use).
        self._chunk_vectors: np.ndarray | None = None
        self._chunk_owner: np.ndarray | None = None
        if self.articles:
            documents = [f"{a.title}\n{a.title}\n{a.body}" for a in self.articles]
            self._blocks = tuple(tfidf_features.fit(s, documents) for s in TFIDF_FEATURES)
            self._scorer = _scorer(self._blocks, documents)

    @classmethod
    def from_directory(
        cls, directory: Path = DEFAULT_KNOWLEDGE_BASE_DIR, embed: Embedder | None = None
    ) -> KnowledgeBase:
        """Load every ``*.md`` file of ``directory`` (sorted by name)."""
        if not directory.is_dir():
            raise ProviderConfigError(f"knowledge-base directory {directory} does not exist")
        return cls(
            [
                parse_article(path.read_text(encoding="utf-8"), str(path))
                for path in sorted(directory.glob("*.md"))
            ],
            embed,
        )

    def get(self, article_id: str) -> KnowledgeArticle | None:
        """The article with ``article_id``, if any."""
        return next((a for a in self.articles if a.article_id == article_id), None)

    @property
    def semantic(self) -> bool:
        """Whether similarity is semantic (an embedder was given) rather than TF-IDF."""
        return self._embed is not None

    def similarities(self, query: str) -> np.ndarray:
        """The similarity of ``query`` to each article (semantic if an embedder was given)."""
        if self._embed is None:
            assert self._scorer is not None
            return _cosine(self._scorer, query)
        vectors, owner = self._chunks(self._embed)
        chunk_scores = np.asarray(self._embed([query]), dtype=np.float32)[0] @ vectors.T
        best = np.full(len(self.articles), -1.0)
        np.maximum.at(best, owner, chunk_scores)
        return best

    def _chunks(self, embed: Embedder) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of every article's title and of each section under its title."""
        if self._chunk_vectors is None or self._chunk_owner is None:
            texts: list[str] = []
            owner: list[int] = []
            for index, article in enumerate(self.articles):
                texts.append(article.title)
                owner.append(index)
                for section in article_sections(article):
                    heading = f"{section.heading}. " if section.heading else ""
                    texts.append(f"{article.title}. {heading}{section.text}"[:_SECTION_CHARS])
                    owner.append(index)
            self._chunk_vectors = np.asarray(embed(texts), dtype=np.float32)
            self._chunk_owner = np.asarray(owner)
        return self._chunk_vectors, self._chunk_owner

    def search(
        self,
        query: str,
        category: str | None = None,
        limit: int = 1,
        min_similarity: float | None = None,
        min_cross_category_similarity: float | None = None,
        language: str = "en",
    ) -> list[ArticleMatch]:
        """Up to ``limit`` articles most similar to ``query``, preferring ``category``'s.

        Articles of ``category`` with at least ``min_similarity`` (or that answer the whole
        category) come first; only when there is none are other articles with at least
        ``min_cross_category_similarity`` returned. The floors default to the measured ones for
        the kind of similarity used, and semantic ones are lowered for an email not in English
        (``language``, an ISO 639-1 code), see :data:`CROSS_LINGUAL_FACTOR`.
        """
        if self._scorer is None or not query.strip():
            return []
        if min_similarity is None:
            min_similarity = MIN_SEMANTIC_SIMILARITY if self.semantic else MIN_SIMILARITY
        if min_cross_category_similarity is None:
            min_cross_category_similarity = (
                MIN_CROSS_CATEGORY_SEMANTIC_SIMILARITY
                if self.semantic
                else MIN_CROSS_CATEGORY_SIMILARITY
            )
        full = FULL_SEMANTIC_SIMILARITY if self.semantic else FULL_TFIDF_SIMILARITY
        if self.semantic and not language.startswith("en"):
            min_similarity *= CROSS_LINGUAL_FACTOR
            min_cross_category_similarity *= CROSS_LINGUAL_FACTOR
            full *= CROSS_LINGUAL_FACTOR
        scores = self.similarities(query)
        ranked = sorted(
            (
                ArticleMatch(
                    article,
                    float(score),
                    article.category == category,
                    reliability=float(min(1.0, max(0.0, score) / full)),
                )
                for article, score in zip(self.articles, scores, strict=True)
            ),
            key=lambda m: m.similarity,
            reverse=True,
        )
        preferred = [
            m
            for m in ranked
            if m.in_category and (m.similarity >= min_similarity or m.article.whole_category)
        ]
        if preferred:
            return preferred[:limit]
        return [m for m in ranked if m.similarity >= min_cross_category_similarity][:limit]

    def best_section(self, article: KnowledgeArticle, query: str) -> ArticleSection | None:
        """The non-intro section of ``article`` most similar to ``query`` (the first on a tie)."""
        sections = [s for s in article_sections(article) if s.heading and s.text]
        if not sections:
            return None
        if not self._blocks or len(sections) == 1:
            return sections[0]
        known = self._section_scorers.get(article.article_id)
        if known is None or known[0] != sections:
            texts = [f"{s.heading}\n{s.text}" for s in sections]
            known = (sections, _scorer(self._blocks, texts))
            self._section_scorers[article.article_id] = known
        return sections[int(np.argmax(_cosine(known[1], query)))]
