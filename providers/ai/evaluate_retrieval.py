"""How often a draft cites the article that answers the email, and cites nothing when none does.

The labelled set is real customer text the project did not write: BANKING77 queries
(``data/banking77/train.csv``, CC BY 4.0), each intent labelled with the knowledge-base article
that answers it (``data/retrieval/banking77_intent_to_article.csv``, a judgement made for this
project) or with none. Every query of an answered intent is kept, with a fixed random sample of
the others; the query's category is its intent's support category (as if classified correctly).

A citation is right when it names the answering article; citing another article, or any article
for a query no article answers, is a false citation. The floors are chosen on the even rows
(best F1) and reported on the odd rows, so the figure is not the one it was tuned on::

    python -m providers.ai.evaluate_retrieval [--negatives 1500]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from providers.ai.knowledge_base import (
    MIN_CROSS_CATEGORY_SEMANTIC_SIMILARITY,
    MIN_CROSS_CATEGORY_SIMILARITY,
    MIN_SEMANTIC_SIMILARITY,
    MIN_SIMILARITY,
    KnowledgeBase,
)

DATA = Path(__file__).resolve().parent / "data"
ANSWERS = DATA / "retrieval" / "banking77_intent_to_article.csv"
QUERIES = DATA / "banking77" / "train.csv"
CATEGORIES = DATA / "banking77" / "intent_to_support_category.csv"


@dataclass(frozen=True)
class LabelledQuery:
    """A customer query, its support category and the article that answers it ('' for none)."""

    text: str
    category: str
    article_id: str


@dataclass(frozen=True)
class CitationScore:
    """Precision and recall of citations (see the module docstring)."""

    precision: float
    recall: float
    f1: float
    cited_share: float


def labelled_queries(negatives: int = 1500, seed: int = 0) -> list[LabelledQuery]:
    """Every query an article answers, and ``negatives`` sampled among the rest."""
    with ANSWERS.open(encoding="utf-8") as file:
        answers = {row["banking77_intent"]: row["article_id"] for row in csv.DictReader(file)}
    with CATEGORIES.open(encoding="utf-8") as file:
        categories = {
            row["banking77_intent"]: row["coarse_category"] for row in csv.DictReader(file)
        }
    with QUERIES.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    answered = [row for row in rows if row["category"] in answers]
    others = [row for row in rows if row["category"] not in answers]
    sample = random.Random(seed).sample(others, min(negatives, len(others)))
    return [
        LabelledQuery(row["text"], categories[row["category"]], answers.get(row["category"], ""))
        for row in answered + sample
    ]


@dataclass(frozen=True)
class BestMatches:
    """Per query, the most similar article of its category and of the others, with scores."""

    in_category: list[str]
    in_score: np.ndarray
    other: list[str]
    other_score: np.ndarray

    def cited(self, floor: float, cross_floor: float) -> list[str]:
        """The article each query cites under the two floors, as :meth:`KnowledgeBase.search`
        does ('' for none)."""
        return [
            inside if score >= floor else (other if other_score >= cross_floor else "")
            for inside, score, other, other_score in zip(
                self.in_category, self.in_score, self.other, self.other_score, strict=True
            )
        ]


def best_matches(
    similarities: np.ndarray,
    article_ids: Sequence[str],
    article_categories: Sequence[str],
    query_categories: Sequence[str],
) -> BestMatches:
    """:class:`BestMatches` of a ``(queries, articles)`` similarity matrix."""
    same = np.array([[a == q for a in article_categories] for q in query_categories])
    inside = np.where(same, similarities, -np.inf)
    outside = np.where(same, -np.inf, similarities)
    best_in, best_out = inside.argmax(axis=1), outside.argmax(axis=1)
    rows = np.arange(len(query_categories))
    return BestMatches(
        [article_ids[i] for i in best_in],
        inside[rows, best_in],
        [article_ids[i] for i in best_out],
        outside[rows, best_out],
    )


def score_citations(truth: Sequence[str], citations: Sequence[str]) -> CitationScore:
    """Precision, recall and F1 of ``citations`` against the answering articles ``truth``."""
    right = sum(1 for t, c in zip(truth, citations, strict=True) if t and c == t)
    false = sum(1 for t, c in zip(truth, citations, strict=True) if c and c != t)
    answerable = sum(1 for t in truth if t)
    precision = right / (right + false) if right + false else 0.0
    recall = right / answerable if answerable else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    share = sum(1 for c in citations if c) / len(citations) if citations else 0.0
    return CitationScore(round(precision, 3), round(recall, 3), round(f1, 3), round(share, 3))


def _evaluate(
    knowledge_base: KnowledgeBase,
    queries: Sequence[LabelledQuery],
    floors: tuple[float, float],
    grid: Sequence[float],
) -> dict[str, object]:
    similarities = np.array([knowledge_base.similarities(q.text) for q in queries])
    truth = [q.article_id for q in queries]

    def score(rows: range, floor: float, cross: float) -> CitationScore:
        picked = best_matches(
            similarities[rows.start :: rows.step],
            [a.article_id for a in knowledge_base.articles],
            [a.category for a in knowledge_base.articles],
            [q.category for q in queries][rows.start :: rows.step],
        ).cited(floor, cross)
        return score_citations(truth[rows.start :: rows.step], picked)

    tuning, held_out = range(0, len(queries), 2), range(1, len(queries), 2)
    chosen = max(
        ((floor, cross) for floor in grid for cross in grid if cross >= floor),
        key=lambda pair: score(tuning, *pair).f1,
    )
    everything = range(len(queries))
    return {
        "shipped_floors": list(floors),
        "shipped": vars(score(everything, *floors)),
        "shipped_held_out": vars(score(held_out, *floors)),
        "chosen_on_even_rows": [round(v, 2) for v in chosen],
        "chosen_held_out": vars(score(held_out, *chosen)),
        "cite_anything": vars(score(everything, -1.0, -1.0)),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--negatives", type=int, default=1500)
    args = parser.parse_args(argv)
    from providers.ai.local import multilingual_vectors

    queries = labelled_queries(args.negatives)
    grid = [round(v, 2) for v in np.arange(0.0, 0.9, 0.02)]
    answered = sum(1 for q in queries if q.article_id)
    print(f"{len(queries)} BANKING77 queries, {answered} answered by an article")
    report = {
        "semantic": _evaluate(
            KnowledgeBase.from_directory(embed=multilingual_vectors),
            queries,
            (MIN_SEMANTIC_SIMILARITY, MIN_CROSS_CATEGORY_SEMANTIC_SIMILARITY),
            grid,
        ),
        "tfidf": _evaluate(
            KnowledgeBase.from_directory(),
            queries,
            (MIN_SIMILARITY, MIN_CROSS_CATEGORY_SIMILARITY),
            grid,
        ),
    }
    for name, figures in report.items():
        print(name, json.dumps(figures))


if __name__ == "__main__":
    main()
