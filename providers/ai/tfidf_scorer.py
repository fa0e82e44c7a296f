"""Linear scores over a fitted TF-IDF ``FeatureUnion``, one text at a time, without scikit-learn's
per-call overhead.

Transforming one short text through scikit-learn costs about a millisecond of input validation,
joblib dispatch and sparse-matrix bookkeeping around work that takes microseconds.
:class:`FastScorer` does the same arithmetic (the vectorisers' own analysers, sublinear tf x idf,
l2 norm, then a linear map) directly on the fitted parameters. The category classifier, the
sentiment model and the knowledge-base search use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline


@dataclass(frozen=True)
class _Block:
    """One fitted TF-IDF vectoriser reduced to what scoring needs."""

    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray  # (n_features, n_classes) rows of the linear model for this block


class FastScorer:
    """The class probabilities of a fitted TF-IDF + logistic-regression pipeline, per text.

    Supports what :func:`providers.ai.local_classifier.build_pipeline` builds: a
    ``FeatureUnion`` of ``TfidfVectorizer`` with ``sublinear_tf=True``, ``use_idf=True`` and
    ``norm="l2"``, then a ``LogisticRegression`` (or any linear map: :meth:`from_parts`).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        model: LogisticRegression = pipeline.named_steps["classifier"]
        self._setup(pipeline.named_steps["features"], model.coef_, model.intercept_)

    @classmethod
    def from_parts(cls, union: FeatureUnion, coef: Any, intercept: Any) -> FastScorer:
        """A scorer of ``union``'s features with a linear model's ``coef`` and ``intercept``
        (``coef`` may have only the columns of ``union``'s features)."""
        scorer = cls.__new__(cls)
        scorer._setup(union, coef, intercept)
        return scorer

    def _setup(self, union: FeatureUnion, coef_: Any, intercept: Any) -> None:
        coef = np.asarray(coef_, dtype=np.float64)
        self._binary = coef.shape[0] == 1
        columns = coef.T.copy()
        self._intercept = np.asarray(intercept, dtype=np.float64)
        blocks: list[_Block] = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
                raise ValueError("FastScorer needs sublinear tf, idf and l2 normalisation")
            size = len(vectorizer.vocabulary_)
            blocks.append(
                _Block(
                    analyzer=vectorizer.build_analyzer(),
                    vocabulary=dict(vectorizer.vocabulary_),
                    idf=np.asarray(vectorizer.idf_, dtype=np.float64),
                    weights=columns[offset : offset + size],
                )
            )
            offset += size
        self._blocks = tuple(blocks)

    def decision(self, text: str) -> np.ndarray:
        """The linear model's decision values for ``text``."""
        scores = self._intercept.copy()
        for block in self._blocks:
            counts: dict[int, int] = {}
            vocabulary = block.vocabulary
            for gram in block.analyzer(text):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(
                (1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts)
            )
            values = tf * block.idf[indices]
            values /= math.sqrt(float(values @ values))
            scores += values @ block.weights[indices]
        return scores

    def probabilities(self, text: str) -> np.ndarray:
        """Class probabilities for ``text``, in the model's class order."""
        decision = self.decision(text)
        if self._binary:
            positive = 1.0 / (1.0 + math.exp(-float(decision[0])))
            return np.array([1.0 - positive, positive])
        decision -= decision.max()
        exp = np.exp(decision)
        return np.asarray(exp / exp.sum())
