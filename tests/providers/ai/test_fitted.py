"""The shipped fitted models: current, used without training, exact, and ignored when stale."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import providers.ai.local_classifier as local_classifier
import providers.ai.sentiment_model as sentiment_model
from providers.ai import fitted
from providers.ai.artefacts import stale_artefacts
from providers.ai.local_classifier import (
    LocalClassifierModel,
    fingerprint,
    load_or_train,
    load_shipped,
    load_shipped_vectors,
)
from providers.ai.sentence_encoder import DIMENSIONS, SentenceEncoder
from providers.ai.sentiment_model import (
    SentimentModel,
    load_or_train_sentiment,
    shipped_data_fingerprint,
)
from providers.ai.training_data import LabelledExample, load_training_examples


def test_the_shipped_models_are_current() -> None:
    problems = stale_artefacts()
    assert not problems, (
        f"the shipped fitted models are stale ({'; '.join(problems)}): "
        f"run {fitted.REBUILD_COMMAND} and commit providers/ai/data/fitted/"
    )


def _no_training(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a current shipped model must be loaded, not trained")


def test_a_fresh_models_folder_trains_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LocalClassifierModel, "train", _no_training)
    monkeypatch.setattr(sentiment_model, "default_training_set", _no_training)
    heard: list[str] = []
    model = load_or_train(tmp_path, progress=heard.append)
    assert model.info.fingerprint == fingerprint(load_training_examples())
    sentiment = load_or_train_sentiment(tmp_path, progress=heard.append)
    assert sentiment.fingerprint == shipped_data_fingerprint()
    assert heard == [
        "category classifier: loaded the shipped model",
        "sentiment model: loaded the shipped model",
    ]
    assert list(tmp_path.iterdir()) == []  # nothing copied or trained into the folder


def test_the_rebuilt_parts_predict_exactly_as_the_originals(
    trained_model: LocalClassifierModel,
) -> None:
    rebuilt = LocalClassifierModel.from_arrays(trained_model.to_arrays(), trained_model.info)
    texts = ["I was charged twice", "Mein Paket ist nicht angekommen", "", "dark mode please"]
    assert rebuilt.predict_proba(texts) == trained_model.predict_proba(texts)
    np.testing.assert_array_equal(
        rebuilt.pipeline_predict_proba(texts), trained_model.pipeline_predict_proba(texts)
    )
    sentiment = load_or_train_sentiment(None)
    again = SentimentModel.from_arrays(sentiment.to_arrays(), sentiment.fingerprint)
    for text in ("I love it", "This is broken again!!", "My order number is 1234"):
        assert again.scores(text) == sentiment.scores(text)


def test_new_data_or_another_recipe_is_not_served_the_shipped_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    examples = load_training_examples()
    assert load_shipped(examples) is not None
    relabelled = [dataclasses.replace(examples[0], category="complaint"), *examples[1:]]
    assert load_shipped(relabelled) is None
    corrected = [*examples, LabelledExample("Refund me now", "refund", "correction")]
    assert load_shipped(corrected) is None
    monkeypatch.setattr(local_classifier, "recipe", lambda: "another recipe")
    assert load_shipped(examples) is None
    monkeypatch.setattr(sentiment_model, "recipe", lambda: "another recipe")
    assert sentiment_model.load_shipped_sentiment() is None


class _CountingBackend:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return np.ones((len(texts), DIMENSIONS), dtype=np.float32)


def test_retraining_encodes_only_texts_the_shipped_vectors_lack() -> None:
    backend = _CountingBackend()
    encoder = SentenceEncoder(backend)
    shipped_texts = [e.text for e in load_training_examples()]
    assert load_shipped_vectors(encoder) == len(set(shipped_texts))
    vectors = encoder.encode([*shipped_texts[:50], "A correction nobody shipped"], remember=True)
    assert backend.texts == ["A correction nobody shipped"]
    assert vectors.dtype == np.float32 and np.isfinite(vectors).all()
    for part in (slice(0, 512), slice(512, DIMENSIONS)):  # unit vectors, as encoded
        np.testing.assert_allclose(np.linalg.norm(vectors[:50, part], axis=1), 1.0, atol=1e-2)


def test_files_are_written_byte_for_byte_the_same_and_hold_no_pickle(tmp_path: Path) -> None:
    arrays = {"b": np.arange(5.0), "a": np.array(["x", "yz"])}
    fitted.write_arrays(tmp_path / "one.npz", arrays, {"data": "d", "recipe": "r"})
    fitted.write_arrays(
        tmp_path / "two.npz", dict(reversed(arrays.items())), {"recipe": "r", "data": "d"}
    )
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "two.npz").read_bytes()
    assert fitted.matches(fitted.read_meta(tmp_path / "one.npz"), data="d", recipe="r")
    assert not fitted.matches(fitted.read_meta(tmp_path / "one.npz"), data="d", recipe="s")
    read = fitted.read_arrays(tmp_path / "one.npz")
    assert sorted(read) == ["a", "b"] and read["a"].tolist() == ["x", "yz"]
    with pytest.raises(ValueError, match="pickle"):
        fitted.write_arrays(tmp_path / "bad.npz", {"o": np.array([{}], dtype=object)}, {})
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    assert fitted.read_meta(tmp_path / "junk.npz") is None
    assert fitted.read_meta(tmp_path / "missing.npz") is None
