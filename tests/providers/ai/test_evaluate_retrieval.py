"""The retrieval evaluation: its labelled set and how citations are scored."""

from __future__ import annotations

import numpy as np

from providers.ai.evaluate_retrieval import best_matches, labelled_queries, score_citations
from providers.ai.knowledge_base import KnowledgeBase


def test_labelled_set_names_real_articles_and_keeps_every_answered_query() -> None:
    queries = labelled_queries(negatives=100)
    known = {a.article_id for a in KnowledgeBase.from_directory().articles}
    answered = [q for q in queries if q.article_id]
    assert {q.article_id for q in answered} <= known
    assert len(answered) == 1356 and len(queries) == 1356 + 100
    assert labelled_queries(negatives=100) == queries  # the sample is fixed


def test_citations_are_scored_against_the_answering_article() -> None:
    truth = ["a", "a", "", "", "b"]
    cited = ["a", "b", "", "a", ""]
    score = score_citations(truth, cited)
    # right: 1 (row 0); false: row 1 (wrong article) and row 3 (none answers); answerable: 3.
    assert (score.precision, score.recall, score.cited_share) == (0.333, 0.333, 0.6)


def test_best_matches_prefer_the_category_then_need_the_higher_floor() -> None:
    similarities = np.array([[0.4, 0.9], [0.2, 0.6], [0.2, 0.3]])
    matches = best_matches(similarities, ["in", "out"], ["billing", "refund"], ["billing"] * 3)
    assert matches.cited(0.3, 0.5) == ["in", "out", ""]
    assert matches.cited(0.1, 0.5) == ["in", "in", "in"]
