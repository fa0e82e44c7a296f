"""The saved sentiment model is reused while the shipped data is unchanged, without rebuilding
the training set, and retrained when a data file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import providers.ai.sentiment_model as sentiment_model
from providers.ai.sentiment_model import (
    MODEL_FILENAME,
    SentimentModel,
    TrainingSet,
    load_or_train_sentiment,
    shipped_data_fingerprint,
)

TEXTS = ["I love it, thank you", "This is terrible and broken", "My order number is 1234"] * 3
LABELS = ["positive", "negative", "neutral"] * 3


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "ratings.csv"
    shutil.copyfile(sentiment_model.SENTIMENT_DATA_PATH, copy)
    monkeypatch.setattr(sentiment_model, "SENTIMENT_DATA_PATH", copy)
    return copy


def test_the_fingerprint_follows_the_bytes_of_the_data(data_copy: Path) -> None:
    before = shipped_data_fingerprint()
    assert shipped_data_fingerprint() == before
    data_copy.write_bytes(data_copy.read_bytes() + b"one more line,0.0,tweets\n")
    assert shipped_data_fingerprint() != before


def test_a_current_model_is_loaded_without_building_the_training_set(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The models folder's model, not the shipped one (tests/providers/ai/test_fitted.py).
    monkeypatch.setattr(sentiment_model, "SHIPPED_MODEL_PATH", tmp_path / "none.npz")
    models = tmp_path / "models"
    SentimentModel.train(TEXTS, LABELS, shipped_data_fingerprint()).save(models / MODEL_FILENAME)

    def not_needed() -> tuple[list[str], list[str]]:
        raise AssertionError("the training set was built for a model that was current")

    monkeypatch.setattr(sentiment_model, "default_training_set", not_needed)
    assert load_or_train_sentiment(models).fingerprint == shipped_data_fingerprint()

    # Once the data changes the saved model is stale: it is retrained from the training set.
    data_copy.write_bytes(data_copy.read_bytes() + b"one more line,0.0,tweets\n")
    monkeypatch.setattr(
        sentiment_model, "default_training_set", lambda: TrainingSet.plain(TEXTS, LABELS)
    )
    retrained = load_or_train_sentiment(models)
    assert retrained.fingerprint == shipped_data_fingerprint()
    assert SentimentModel.load(models / MODEL_FILENAME).fingerprint == retrained.fingerprint
