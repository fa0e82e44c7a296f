"""The trained sentiment model: TF-IDF n-grams, VADER scores and MiniLM, then a logistic regression.

Training data: the human-rated sentences of Hutto & Gilbert (2014), shipped with VADER under the
MIT licence (``data/sentiment/``; see ``data/ATTRIBUTION.md``): 3,708 Amazon product-review
sentences, 4,200 tweets, 10,605 movie-review snippets and 5,190 New York Times editorial
snippets, each the mean of 20 people's ratings on a -4..4 scale. A mean that rounds to 0
(|mean| < 0.5) is neutral, else positive or negative.

Features: word 1-2-grams and character 2-5-grams (TF-IDF), and VADER's compound, positive,
negative and neutral scores of the text (raw and without politeness formulas) and the number of
support-specific frustration cues: the lexicon carries words the data never shows, the n-grams
carry domain usage the lexicon gets wrong; and the text's vector from the sentiment MiniLM
(:func:`.minilm_encoder.sentiment_encoder`, fine-tuned on these ratings without the held-out
quarters), which reads negation and contrast.

The fitted model ships in ``data/fitted/sentiment.npz`` (:mod:`.fitted`) and is used whenever it
was fitted on the current data files with the current recipe; otherwise it is trained (about
ten minutes of a core, most of it encoding 27,000 texts) and saved in the models folder.
Training uses scikit-learn; scoring reads the fitted numbers through
:class:`~providers.ai.tfidf_scorer.FastScorer` and imports none of it.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import importlib.metadata
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from providers.ai import fitted
from providers.ai.minilm_encoder import MAX_TOKENS, SENTIMENT_NAME, sentiment_encoder
from providers.ai.sentiment_cues import frustration_cues, without_politeness
from providers.ai.tfidf_features import TfidfBlock, TfidfSettings
from providers.ai.tfidf_scorer import FastScorer
from providers.ai.training_data import (
    DEFAULT_BANKING77_DIR,
    LabelledExample,
    load_banking77_examples,
    scikit_learn_version,
    training_fingerprint,
)
from providers.errors import ProviderConfigError
from providers.files import atomic_writer

if TYPE_CHECKING:  # training only: scoring needs none of scikit-learn
    from sklearn.pipeline import FeatureUnion

logger = logging.getLogger(__name__)

SENTIMENT_DATA_PATH: Path = (
    Path(__file__).resolve().parent / "data" / "sentiment" / "vader_icwsm2014.csv"
)
MODEL_FILENAME = "local_sentiment.joblib"
PIPELINE_VERSION = f"tfidf-word12-char25+vader+{SENTIMENT_NAME}-logreg-v4"
#: |mean rating| below this is neutral (the raters' mean rounds to 0 on their -4..4 scale).
NEUTRAL_BAND = 0.5
#: Scale of the dense VADER block relative to the l2-normalised TF-IDF blocks.
VADER_WEIGHT = 3.0
#: Scale of the (l2-normalised) MiniLM block; chosen on a validation tenth of the Amazon
#: sentences (README "Measured figures").
MINILM_WEIGHT = 2.0
LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
#: How many weakly labelled neutral support requests join the training data.
NEUTRAL_REQUESTS = 3000
_FORMAT = 3
#: The TF-IDF features: word 1-2-grams and character 2-5-grams within words.
TFIDF_FEATURES: tuple[tuple[str, TfidfSettings], ...] = (
    ("word", TfidfSettings("word", (1, 2), min_df=2)),
    ("char", TfidfSettings("char_wb", (2, 5), min_df=2)),
)
#: The shipped fitted model (:mod:`.fitted`).
SHIPPED_MODEL_PATH: Path = fitted.FITTED_DIR / "sentiment.npz"
#: The learner's settings (part of the recipe a shipped model records).
_LEARNER = {"C": 2.0, "class_weight": "balanced", "max_iter": 2000}
#: Texts per call into the encoder while training (progress is reported between calls).
_ENCODE_CHUNK = 1024
_CUES_SOURCE: Path = Path(__file__).resolve().parent / "sentiment_cues.py"

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default progress listener: hears nothing."""


class TextEncoder(Protocol):
    """Texts to an ``(n, 384)`` array of L2-normalised vectors."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class RatedSentence:
    """One human-rated sentence of the training data."""

    text: str
    mean_rating: float
    source: str

    @property
    def label(self) -> str:
        if self.mean_rating >= NEUTRAL_BAND:
            return "positive"
        if self.mean_rating <= -NEUTRAL_BAND:
            return "negative"
        return "neutral"


def load_rated_sentences(path: Path = SENTIMENT_DATA_PATH) -> list[RatedSentence]:
    """The shipped human-rated sentences."""
    if not path.is_file():
        raise ProviderConfigError(f"sentiment training data {path} does not exist")
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            RatedSentence(row["text"], float(row["mean_rating"]), row["source"])
            for row in csv.DictReader(handle)
        ]


class VaderFeatures:
    """The dense lexicon block of the feature vector."""

    WIDTH = 6

    def __init__(self) -> None:
        self._vader = SentimentIntensityAnalyzer()

    def __call__(self, text: str) -> np.ndarray:
        raw = self._vader.polarity_scores(text)
        polite = without_politeness(text)
        stripped = self._vader.polarity_scores(polite)["compound"] if polite.strip() else 0.0
        return np.array(
            [
                raw["compound"],
                raw["pos"],
                raw["neg"],
                raw["neu"],
                stripped,
                len(frustration_cues(text)) / 2.0,
            ],
            dtype=np.float64,
        )


def _union() -> FeatureUnion:
    from sklearn.feature_extraction.text import TfidfVectorizer  # training only (module doc)
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [(name, TfidfVectorizer(**settings.sklearn_params())) for name, settings in TFIDF_FEATURES]
    )


class SentimentModel:
    """Probabilities of negative, neutral and positive for a text."""

    def __init__(
        self, arrays: dict[str, np.ndarray], fingerprint: str, encoder: TextEncoder | None = None
    ) -> None:
        """The model of the fitted numbers ``arrays`` (:meth:`to_arrays`); raises
        :class:`ProviderConfigError` when they are incomplete or inconsistent."""
        try:
            self.classes: tuple[str, ...] = tuple(str(c) for c in arrays["classes"].tolist())
            blocks = [
                TfidfBlock.from_terms(settings, arrays[f"{name}_terms"], arrays[f"{name}_idf"])
                for name, settings in TFIDF_FEATURES
            ]
            n_text = sum(len(block.vocabulary) for block in blocks)
            coef = np.asarray(arrays["coef"], dtype=np.float64)
            self._text_scorer = FastScorer(blocks, coef, arrays["intercept"])
            n_vader = n_text + VaderFeatures.WIDTH
            self._vader_weights = coef[:, n_text:n_vader].T * VADER_WEIGHT
            self._minilm_weights = coef[:, n_vader:].T * MINILM_WEIGHT
            # MiniLM reads English only: another language gets the block of an average text.
            self._other_language_minilm = np.asarray(arrays["minilm_mean"]) @ self._minilm_weights
        except (KeyError, ValueError) as exc:
            raise ProviderConfigError(f"the sentiment model is incomplete ({exc})") from exc
        self._arrays = dict(arrays)
        self.fingerprint = fingerprint
        self._vader = VaderFeatures()
        self._encoder = encoder or sentiment_encoder()

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        data_fingerprint: str | None = None,
        encoder: TextEncoder | None = None,
        progress: Progress = _quiet,
    ) -> SentimentModel:
        """Fit on ``texts`` labelled negative/neutral/positive; ``data_fingerprint`` names the
        data (by default a fingerprint of the texts and labels themselves); ``progress`` hears
        each step."""
        # Training only: scoring reads the fitted numbers without scikit-learn (module doc).
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        union = _union()
        vader = VaderFeatures()
        encoder = encoder or sentiment_encoder()
        parts = []
        for start in range(0, len(texts), _ENCODE_CHUNK):
            parts.append(encoder.encode(texts[start : start + _ENCODE_CHUNK]))
            done = min(start + _ENCODE_CHUNK, len(texts))
            progress(f"sentiment model: {done:,} of {len(texts):,} texts encoded")
        minilm = np.vstack(parts) if parts else np.empty((0, 384), dtype=np.float32)
        progress("sentiment model: lexicon scores and TF-IDF features")
        dense = np.hstack(
            [np.array([vader(t) for t in texts]) * VADER_WEIGHT, minilm * MINILM_WEIGHT]
        )
        matrix = sp.hstack([union.fit_transform(list(texts)), sp.csr_matrix(dense)]).tocsr()
        progress(f"sentiment model: fitting the logistic regression on {matrix.shape} features")
        model = LogisticRegression(**_LEARNER)
        model.fit(matrix, list(labels))
        if data_fingerprint is None:
            examples = [
                LabelledExample(t, lab, "external") for t, lab in zip(texts, labels, strict=True)
            ]
            data_fingerprint = fingerprint(examples)
        arrays: dict[str, np.ndarray] = {
            "classes": np.array([str(c) for c in model.classes_], dtype=str),
            "coef": np.asarray(model.coef_),
            "intercept": np.asarray(model.intercept_),
            "minilm_mean": np.asarray(minilm.mean(axis=0)),
        }
        for name, vectorizer in union.transformer_list:
            arrays[f"{name}_terms"] = fitted.vocabulary_terms(vectorizer.vocabulary_)
            arrays[f"{name}_idf"] = np.asarray(vectorizer.idf_)
        return cls(arrays, data_fingerprint, encoder)

    def probabilities(self, text: str, english: bool = True) -> dict[str, float]:
        """The probability of each label for ``text`` (``english``: whether MiniLM can read it)."""
        decision = self._text_scorer.decision(text) + self._vader(text) @ self._vader_weights
        if english:
            decision += self._encoder.encode([text])[0] @ self._minilm_weights
        else:
            decision += self._other_language_minilm
        decision -= decision.max()
        exp = np.exp(decision)
        probabilities = exp / exp.sum()
        return {label: float(p) for label, p in zip(self.classes, probabilities, strict=True)}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted numbers, for :func:`.fitted.write_arrays` (read by :meth:`from_arrays`)."""
        return dict(self._arrays)

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], fingerprint: str, encoder: TextEncoder | None = None
    ) -> SentimentModel:
        """The model :meth:`to_arrays` described (it scores exactly as the original)."""
        return cls(arrays, fingerprint, encoder)

    def save(self, path: Path) -> None:
        """Write the model atomically."""
        import joblib  # only a model trained here is saved, and read back by a later process

        payload: dict[str, Any] = {
            "format": _FORMAT,
            "arrays": self._arrays,
            "fingerprint": self.fingerprint,
        }
        with atomic_writer(path) as file:
            joblib.dump(payload, file, compress=3)

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        """Read a model written by :meth:`save` (only files this application wrote)."""
        import joblib  # only a process that had a model trained here reads one

        payload = joblib.load(path)
        if (
            not isinstance(payload, dict)
            or payload.get("format") != _FORMAT
            or not isinstance(payload.get("arrays"), dict)
        ):
            raise ProviderConfigError(f"{path} is not a sentiment model of this version")
        return cls(payload["arrays"], str(payload["fingerprint"]))


def fingerprint(examples: Sequence[LabelledExample]) -> str:
    """Fingerprint of the training data, pipeline and scikit-learn version."""
    return training_fingerprint(
        examples, salt=f"{PIPELINE_VERSION}|sklearn {scikit_learn_version()}"
    )


def support_requests(limit: int = NEUTRAL_REQUESTS) -> list[str]:
    """Weakly labelled neutral examples: BANKING77 queries with no sentiment signal.

    The rated sentences are reviews, tweets and editorials; none is a plain support request, so a
    model trained on them alone reads "Could you please help me ..." as praise. BANKING77's real
    customer queries are mostly such requests; those whose VADER compound (politeness removed)
    is within ±0.3 and that show no frustration cue are taken as neutral. These weak labels are
    used for training only, never for scoring.
    """
    vader = SentimentIntensityAnalyzer()
    chosen: list[str] = []
    for example in load_banking77_examples():
        text = example.text
        if frustration_cues(text):
            continue
        if abs(float(vader.polarity_scores(without_politeness(text))["compound"])) <= 0.3:
            chosen.append(text)
    # Every n-th one: a spread over all 77 intents (the file is grouped by intent).
    step = max(1, len(chosen) // limit)
    return chosen[::step][:limit]


def default_training_set() -> tuple[list[str], list[str]]:
    """Texts and labels of the shipped data: the rated sentences and the neutral requests."""
    sentences = load_rated_sentences()
    requests = support_requests()
    return (
        [s.text for s in sentences] + requests,
        [s.label for s in sentences] + ["neutral"] * len(requests),
    )


def shipped_data_digest() -> str:
    """sha256 of the shipped training data files' bytes (the rated sentences and the BANKING77
    queries the neutral requests are drawn from) and of how many requests are drawn."""
    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{NEUTRAL_REQUESTS}|".encode())
    for path in (SENTIMENT_DATA_PATH, DEFAULT_BANKING77_DIR / "train.csv"):
        digest.update(path.read_bytes() if path.is_file() else b"missing")
        digest.update(b"\x1e")
    return digest.hexdigest()


def shipped_data_fingerprint() -> str:
    """Fingerprint of the shipped training data, from its files' bytes.

    Building the training set itself runs VADER over every BANKING77 query (seconds, and
    ~80 MB a worker never gives back), so a worker that only loads the saved model should not.
    """
    # Through fingerprint(), which adds the pipeline and scikit-learn versions.
    return fingerprint([LabelledExample(shipped_data_digest(), "shipped", "external")])


@functools.cache
def recipe() -> str:
    """Everything besides the data that decides the fitted numbers: the features' and the
    learner's settings, the block weights, the encoder, the lexicon and the cue lists (their
    module's bytes). A shipped model fitted under another recipe is not used."""
    parts = [
        PIPELINE_VERSION,
        *(json.dumps(settings.recipe_params(), sort_keys=True) for _, settings in TFIDF_FEATURES),
        json.dumps(_LEARNER, sort_keys=True),
        f"vader {VADER_WEIGHT} minilm {MINILM_WEIGHT} tokens {MAX_TOKENS} band {NEUTRAL_BAND}",
        f"vaderSentiment {importlib.metadata.version('vaderSentiment')}",
        "cues " + hashlib.sha256(_CUES_SOURCE.read_bytes()).hexdigest(),
    ]
    return "\n".join(parts)


def load_shipped_sentiment(path: Path | None = None) -> SentimentModel | None:
    """The shipped model if it was fitted on the current data files with the current recipe."""
    path = path or SHIPPED_MODEL_PATH
    meta = fitted.read_meta(path)
    if not fitted.matches(meta, data=shipped_data_digest(), recipe=recipe()):
        if meta is not None:
            logger.info("the shipped sentiment model does not match this data or recipe")
        return None
    return SentimentModel.from_arrays(fitted.read_arrays(path), shipped_data_fingerprint())


def save_shipped_sentiment(model: SentimentModel) -> None:
    """Write ``model`` (fitted on the shipped data) as the shipped file."""
    meta = {"data": shipped_data_digest(), "recipe": recipe()}
    fitted.write_arrays(SHIPPED_MODEL_PATH, model.to_arrays(), meta)


def train_shipped_data(progress: Progress = _quiet) -> SentimentModel:
    """Train on the shipped data (minutes)."""
    started = time.perf_counter()
    progress("sentiment model: building the training set")
    texts, labels = default_training_set()
    model = SentimentModel.train(texts, labels, shipped_data_fingerprint(), progress=progress)
    logger.info("trained sentiment model in %.1fs", time.perf_counter() - started)
    progress(f"sentiment model: trained in {time.perf_counter() - started:.0f} s")
    return model


def load_or_train_sentiment(models_dir: Path | None, progress: Progress = _quiet) -> SentimentModel:
    """The shipped model if it matches the current data and recipe; else the one saved in
    ``models_dir`` if trained on the current data; else train (and save there)."""
    shipped = load_shipped_sentiment()
    if shipped is not None:
        progress("sentiment model: loaded the shipped model")
        return shipped
    expected = shipped_data_fingerprint()
    path = models_dir / MODEL_FILENAME if models_dir is not None else None
    if path is not None and path.is_file():
        try:
            model = SentimentModel.load(path)
        except Exception as exc:  # a corrupt or foreign file is replaced, not fatal
            logger.warning("retraining: could not load %s (%s)", path, exc)
        else:
            if model.fingerprint == expected:
                progress(f"sentiment model: loaded {path}")
                return model
    progress("sentiment model: training (no shipped or saved model matches this data)")
    model = train_shipped_data(progress)
    if path is not None:
        model.save(path)
    return model
