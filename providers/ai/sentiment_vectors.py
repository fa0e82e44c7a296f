"""A file-backed cache of the sentiment encoder's vectors, for training runs and evaluations.

Training the sentiment model encodes some 27,000 texts (about 15 ms each on a free core); the
evaluation trains several models on nearly the same texts. The encoder reads one text per run
(:meth:`.minilm_encoder.MiniLMEncoder.encode`), so a text's vector does not depend on its
neighbours and a cached vector is the one encoding would give: a model fitted from the cache is
the model fitted without it, number for number. Training and evaluation only; classify() never
reads the cache.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from providers.ai.minilm_encoder import DIMENSIONS, SENTIMENT_NAME, sentiment_encoder
from providers.files import atomic_writer

logger = logging.getLogger(__name__)

CACHE_FILENAME = "sentiment_vectors.npz"


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class CachedSentimentEncoder:
    """The sentiment encoder with a cache of the vectors it computed (and those read from disk)."""

    def __init__(self, directory: Path | None = None) -> None:
        """``directory``: where :meth:`save` writes and from which the cache is read now."""
        self._directory = directory
        self._cache: dict[bytes, np.ndarray] = {}
        if directory is not None:
            self._read(directory / CACHE_FILENAME)

    def _read(self, path: Path) -> None:
        if not path.is_file():
            return
        try:
            with np.load(path, allow_pickle=False) as archive:
                if str(archive["encoder"]) != SENTIMENT_NAME:
                    return
                keys = archive["keys"]
                vectors = archive["vectors"].astype(np.float32)
        except Exception as exc:  # a damaged cache only costs the time to encode again
            logger.warning("ignoring the sentiment vector cache %s (%s)", path, exc)
            return
        for key, vector in zip(keys, vectors, strict=True):
            self._cache[bytes(key)] = vector

    @property
    def size(self) -> int:
        """How many vectors are cached (no ``__len__``: an empty cache must stay truthy)."""
        return len(self._cache)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of ``texts`` (``(n, 384)``, float32), encoding only those not cached."""
        keys = [_key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._cache]
        if missing:
            fresh = sentiment_encoder().encode([texts[i] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                self._cache[keys[i]] = vector
        if not keys:
            return np.empty((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys])

    def save(self) -> None:
        """Write the cache to its directory (nothing without one)."""
        if self._directory is None:
            return
        self._directory.mkdir(parents=True, exist_ok=True)
        keys = list(self._cache)
        with atomic_writer(self._directory / CACHE_FILENAME) as file:
            np.savez(
                file,
                encoder=np.array(SENTIMENT_NAME),
                keys=np.array([np.frombuffer(k, dtype=np.uint8) for k in keys], dtype=np.uint8),
                vectors=np.stack([self._cache[k] for k in keys]),
            )
