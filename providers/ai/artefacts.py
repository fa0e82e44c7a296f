"""``python -m providers.ai.artefacts`` (``make artefacts``): rebuild the shipped fitted models.

Trains the category classifier and the sentiment model on the shipped data exactly as a fresh
start would, and writes them, with the sentence vectors of the category classifier's training
texts, to ``data/fitted/`` (:mod:`.fitted`). Only the stale files are rebuilt unless ``--force``;
``--check`` lists the stale ones and exits 1 if there are any. Deterministic: the same data and
code give the same files, byte for byte.

Run it after changing the training data, a feature, a learner's settings or an encoder; the
test ``tests/providers/ai/test_fitted.py`` fails until the files match again.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from providers.ai import fitted
from providers.ai.local_classifier import (
    SHIPPED_MODEL_PATH,
    SHIPPED_VECTORS_PATH,
    LocalClassifierModel,
    data_fingerprint,
    recipe,
    save_shipped,
    vectors_recipe,
)
from providers.ai.sentence_encoder import shared_encoder
from providers.ai.sentiment_model import SHIPPED_MODEL_PATH as SENTIMENT_PATH
from providers.ai.sentiment_model import recipe as sentiment_recipe
from providers.ai.sentiment_model import (
    save_shipped_sentiment,
    shipped_data_digest,
    train_shipped_data,
)
from providers.ai.sentiment_vectors import CachedSentimentEncoder
from providers.ai.training_data import load_training_examples


def stale_artefacts() -> list[str]:
    """Each shipped file that no longer matches the data or recipe it would be built from now,
    with the reason."""
    problems: list[str] = []
    data = data_fingerprint(load_training_examples())
    expected = {
        SHIPPED_MODEL_PATH: (data, recipe()),
        SHIPPED_VECTORS_PATH: (data, vectors_recipe()),
        SENTIMENT_PATH: (shipped_data_digest(), sentiment_recipe()),
    }
    for path, (want_data, want_recipe) in expected.items():
        meta = fitted.read_meta(path)
        if meta is None:
            problems.append(f"{path.name}: missing or unreadable")
        elif meta.get("data") != want_data:
            problems.append(f"{path.name}: fitted on other training data")
        elif meta.get("recipe") != want_recipe:
            problems.append(f"{path.name}: fitted with another recipe (features, settings)")
    return problems


def _printer() -> Callable[[str], None]:
    started = time.perf_counter()

    def report(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", flush=True)

    return report


def build(force: bool = False, vector_cache: Path | None = None) -> list[Path]:
    """Rebuild the stale shipped files (all with ``force``); the paths written.

    ``vector_cache``: a folder of float32 sentence vectors (:meth:`SentenceEncoder.save_cache`,
    and the sentiment encoder's :class:`.sentiment_vectors.CachedSentimentEncoder`) to read
    before encoding and to update after, so a rebuild after a change that is not the encoders'
    skips encoding. The shipped float16 vectors are never used to fit.
    """
    report = _printer()
    stale = " ".join(stale_artefacts())
    written: list[Path] = []
    if force or SHIPPED_MODEL_PATH.name in stale or SHIPPED_VECTORS_PATH.name in stale:
        examples = load_training_examples()
        encoder = shared_encoder()
        if vector_cache is not None:
            report(f"read {encoder.load_cache(vector_cache):,} cached vectors from {vector_cache}")
        model = LocalClassifierModel.train(examples, encoder, report)
        save_shipped(model, examples)
        if vector_cache is not None:
            encoder.save_cache(vector_cache)
        written += [SHIPPED_MODEL_PATH, SHIPPED_VECTORS_PATH]
        report(f"wrote {SHIPPED_MODEL_PATH.name} and {SHIPPED_VECTORS_PATH.name}")
    if force or SENTIMENT_PATH.name in stale:
        sentiment_vectors = CachedSentimentEncoder(vector_cache)
        save_shipped_sentiment(train_shipped_data(report, sentiment_vectors))
        sentiment_vectors.save()
        written.append(SENTIMENT_PATH)
        report(f"wrote {SENTIMENT_PATH.name}")
    for path in (SHIPPED_MODEL_PATH, SHIPPED_VECTORS_PATH, SENTIMENT_PATH):
        size = path.stat().st_size / 1e6 if path.is_file() else 0.0
        print(f"{path.relative_to(fitted.FITTED_DIR.parents[2])}: {size:.1f} MB")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild (or ``--check``) the shipped fitted models."""
    parser = argparse.ArgumentParser(
        prog="python -m providers.ai.artefacts", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="list stale files; exit 1 if any")
    parser.add_argument("--force", action="store_true", help="rebuild every file")
    parser.add_argument("--vector-cache", type=Path, metavar="DIR", help="float32 vector cache")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale_artefacts()
        for problem in problems:
            print(f"stale: {problem}")
        if problems:
            print(f"run: {fitted.REBUILD_COMMAND}")
        return 1 if problems else 0
    written = build(args.force, args.vector_cache)
    print(f"rebuilt {len(written)} file(s)" if written else "every shipped file is current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
