"""Linear scores over fitted TF-IDF blocks, one text at a time, without scikit-learn.

Transforming one short text through scikit-learn costs about a millisecond of input validation,
joblib dispatch and sparse-matrix bookkeeping around work that takes microseconds, and importing
it costs a process some 120 MB. :class:`FastScorer` does the same arithmetic (the vectorisers'
analysers, sublinear tf x idf, l2 norm, then a linear map) directly on the fitted numbers
(:mod:`.tfidf_features`). The category classifier, the sentiment model and the knowledge-base
search use it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from providers.ai.tfidf_features import TfidfBlock


class FastScorer:
    """The decision values and class probabilities of a linear model over TF-IDF blocks, per
    text: what scikit-learn computes for a ``FeatureUnion`` of ``TfidfVectorizer`` (sublinear tf,
    idf, l2 norm) followed by a ``LogisticRegression`` (or any linear map)."""

    def __init__(self, blocks: Sequence[TfidfBlock], coef_: Any, intercept: Any) -> None:
        """``coef_`` is ``(n_classes, n_features)`` (a binary model's one row) whose first
        columns are the blocks' features in order; any further columns are not scored here."""
        coef = np.asarray(coef_, dtype=np.float64)
        self._binary = coef.shape[0] == 1
        width = sum(len(block.vocabulary) for block in blocks)
        if coef.ndim != 2 or coef.shape[1] < width:
            raise ValueError(f"coef of shape {coef.shape} does not cover {width} features")
        columns = coef[:, :width].T.copy()
        self._intercept = np.asarray(intercept, dtype=np.float64)
        weighted: list[tuple[TfidfBlock, np.ndarray]] = []
        offset = 0
        for block in blocks:
            size = len(block.vocabulary)
            weighted.append((block, columns[offset : offset + size]))
            offset += size
        self._blocks = tuple(weighted)

    def decision(self, text: str) -> np.ndarray:
        """The linear model's decision values for ``text``."""
        scores = self._intercept.copy()
        for block, weights in self._blocks:
            counts = block.counts(text)
            if counts:
                indices, values = block.weigh(counts)
                scores += values @ weights[indices]
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
