"""The macro-F1 bootstrap interval: it agrees with scikit-learn, brackets the figure, and
narrows with more data."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import f1_score

from providers.ai.bootstrap import macro_f1_interval, macro_f1_per_row

LABELS = ("negative", "neutral", "positive")


def noisy_predictions(n: int, accuracy: float, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    truth = [rng.choice(LABELS) for _ in range(n)]
    predicted = [t if rng.random() < accuracy else rng.choice(LABELS) for t in truth]
    return truth, predicted


def test_the_vectorised_score_is_scikit_learns_macro_f1() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, size=(20, 50))
    predicted = np.where(rng.random((20, 50)) < 0.7, truth, rng.integers(0, 3, size=(20, 50)))
    predicted[0] = np.where(predicted[0] == 2, 1, predicted[0])  # one row never predicts a label
    ours = macro_f1_per_row(truth, predicted, 3)
    for row in range(20):
        expected = f1_score(truth[row], predicted[row], average="macro", zero_division=0)
        assert ours[row] == pytest.approx(expected)


def test_the_interval_brackets_the_figure_and_narrows_with_more_data() -> None:
    small = noisy_predictions(300, 0.75, seed=2)
    large = noisy_predictions(3000, 0.75, seed=2)
    low, high = macro_f1_interval(*small)
    assert low < f1_score(*small, average="macro") < high
    large_low, large_high = macro_f1_interval(*large)
    assert large_low < f1_score(*large, average="macro") < large_high
    assert (large_high - large_low) < (high - low) / 2
    assert macro_f1_interval(*small) == (low, high)  # the same seed, the same interval


def test_perfect_predictions_have_no_spread() -> None:
    truth = list(LABELS) * 20
    assert macro_f1_interval(truth, truth) == (1.0, 1.0)


def test_mismatched_or_empty_input_is_refused() -> None:
    with pytest.raises(ValueError, match="2 true labels but 1 predictions"):
        macro_f1_interval(["positive", "neutral"], ["positive"])
    with pytest.raises(ValueError, match="no scored texts"):
        macro_f1_interval([], [])
