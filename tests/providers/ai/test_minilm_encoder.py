"""The shipped MiniLM encoder: the file it was built for, real vectors, clear errors."""

from __future__ import annotations

import builtins
import hashlib
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from providers.ai.minilm_encoder import (
    DIMENSIONS,
    MODEL_DIR,
    MODEL_FILENAME,
    MODEL_SHA256,
    SENTIMENT_MODEL_FILENAME,
    SENTIMENT_MODEL_SHA256,
    TOKENIZER_FILENAME,
    MiniLMEncoder,
    sentiment_encoder,
)
from providers.errors import ProviderConfigError


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


def test_the_shipped_file_is_the_one_this_code_names() -> None:
    # A re-run of scripts/finetune_encoder.py must also change NAME and MODEL_SHA256, so that
    # models and vector caches made with the old encoder are retrained.
    digest = hashlib.sha256((MODEL_DIR / MODEL_FILENAME).read_bytes()).hexdigest()
    assert digest == MODEL_SHA256
    sentiment = hashlib.sha256((MODEL_DIR / SENTIMENT_MODEL_FILENAME).read_bytes()).hexdigest()
    assert sentiment == SENTIMENT_MODEL_SHA256


def test_the_sentiment_encoder_tells_praise_from_complaint(encoder: MiniLMEncoder) -> None:
    # Its own network, fine-tuned on rated sentences: the same request said angrily and
    # gratefully must land far apart, much further than under the intent encoder.
    texts = [
        "This is the third time my refund has failed and nobody answers. Unacceptable.",
        "My refund came through quickly, thank you so much for the help!",
        "The refund failed again and I am fed up waiting for an answer.",
    ]

    def gap(vectors: np.ndarray) -> float:
        angry, grateful, angry_again = vectors
        return float(angry @ angry_again) - float(angry @ grateful)

    assert gap(sentiment_encoder().encode(texts)) > gap(encoder.encode(texts)) + 0.5
    assert sentiment_encoder() is sentiment_encoder()


def test_vectors_are_normalised_and_do_not_depend_on_the_batch(encoder: MiniLMEncoder) -> None:
    # The int8 model scales activations per tensor, so the encoder runs one text at a time.
    texts = ["My card was declined", "Where is my parcel? I ordered it three weeks ago", "hi"]
    together = encoder.encode(texts)
    assert together.shape == (3, DIMENSIONS) and together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, rtol=1e-5)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_array_equal(together, alone)
    assert encoder.encode([]).shape == (0, DIMENSIONS)


def test_a_paraphrase_is_nearer_than_another_request(encoder: MiniLMEncoder) -> None:
    declined, refused, address = encoder.encode(
        [
            "My card payment was declined at the supermarket",
            "The shop would not accept my card when I tried to pay",
            "How do I change the address on my account?",
        ]
    )
    assert float(declined @ refused) > float(declined @ address) + 0.1


def test_a_missing_model_file_is_a_clear_config_error(tmp_path: Path) -> None:
    shutil.copy(MODEL_DIR / TOKENIZER_FILENAME, tmp_path / TOKENIZER_FILENAME)
    with pytest.raises(ProviderConfigError, match=MODEL_FILENAME):
        MiniLMEncoder(tmp_path)


def test_a_missing_package_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ProviderConfigError, match="onnxruntime"):
        MiniLMEncoder()
