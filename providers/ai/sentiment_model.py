"""The trained sentiment model: TF-IDF n-grams, VADER scores and MiniLM, then a logistic regression.

Training data: the human-rated sentences of Hutto & Gilbert (2014), shipped with VADER under the
MIT licence (``data/sentiment/``; see ``data/ATTRIBUTION.md``): 3,708 Amazon product-review
sentences, 4,200 tweets, 10,605 movie-review snippets and 5,190 New York Times editorial
snippets, each the mean of 20 people's ratings on a -4..4 scale. A mean that rounds to 0
(|mean| < 0.5) is neutral, else positive or negative. Beside them, the training part of the
hand-written support messages (:mod:`.support_sentiment`: quiet complaints, polite anger,
sarcasm, calm questions that mention a problem, thanks; English, French, German, Spanish), each
weighing :data:`SUPPORT_WEIGHT` sentences, and weakly labelled neutral BANKING77 requests.

Two heads share the features: the sentiment (a three-class logistic regression on all of it)
and the frustration (a binary one, "is the writer angry?", on the support messages, whose kind
says so, and the neutral requests): a quiet complaint is negative without being angry, and the
guard rails hold only the angry.


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
import math
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
from providers.ai.support_sentiment import SUPPORT_SENTIMENT_PATH, load_support_messages
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
PIPELINE_VERSION = f"tfidf-word12-char25+vader+{SENTIMENT_NAME}-logreg+anger-v5"
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
#: How many rated sentences one hand-written support message weighs in training: 620 messages
#: beside 27,000 other texts would barely move the fit; chosen on a validation fifth of the
#: support messages' training part (README "Measured figures"), never on their test part.
SUPPORT_WEIGHT = 5.0
_FORMAT = 4
#: The TF-IDF features: word 1-2-grams and character 2-5-grams within words.
TFIDF_FEATURES: tuple[tuple[str, TfidfSettings], ...] = (
    ("word", TfidfSettings("word", (1, 2), min_df=2)),
    ("char", TfidfSettings("char_wb", (2, 5), min_df=2)),
)
#: The shipped fitted model (:mod:`.fitted`).
SHIPPED_MODEL_PATH: Path = fitted.FITTED_DIR / "sentiment.npz"
#: The learner's settings (part of the recipe a shipped model records).
_LEARNER = {"C": 2.0, "class_weight": "balanced", "max_iter": 2000}
#: The frustration head's settings: no class balancing, so that its probability keeps the
#: data's base rate (balanced, it held 21 of 212 calm demo emails against 3 unbalanced, on a
#: validation run; README "Measured figures").
_ANGER_LEARNER = {"C": 1.0, "max_iter": 2000}
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
class TrainingSet:
    """Texts with their sentiment, weight, whether MiniLM reads them (English) and whether the
    writer is angry (1, 0, or -1: not known, the text does not train the frustration head)."""

    texts: list[str]
    labels: list[str]
    weights: list[float]
    english: list[bool]
    angry: list[int]

    @classmethod
    def plain(cls, texts: Sequence[str], labels: Sequence[str]) -> TrainingSet:
        """English texts of weight 1, a negative one taken as angry."""
        return cls(
            list(texts),
            list(labels),
            [1.0] * len(texts),
            [True] * len(texts),
            [int(label == "negative") for label in labels],
        )

    def __add__(self, other: TrainingSet) -> TrainingSet:
        return TrainingSet(
            self.texts + other.texts,
            self.labels + other.labels,
            self.weights + other.weights,
            self.english + other.english,
            self.angry + other.angry,
        )


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
    """Probabilities of negative, neutral and positive for a text, and how angry its writer is."""

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
            class_coef = np.asarray(arrays["coef"], dtype=np.float64)
            class_intercept = np.asarray(arrays["intercept"], dtype=np.float64)
            if class_coef.shape[0] == 1:  # two classes: the logistic of z is the softmax of (0, z)
                class_coef = np.vstack([np.zeros_like(class_coef), class_coef])
                class_intercept = np.concatenate([[0.0], class_intercept])
            # One row per class, then the frustration head's row: one pass over the n-grams.
            coef = np.vstack([class_coef, np.asarray(arrays["anger_coef"], dtype=np.float64)])
            intercept = np.concatenate([class_intercept, np.asarray(arrays["anger_intercept"])])
            self._text_scorer = FastScorer(blocks, coef, intercept)
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
        texts: Sequence[str] | TrainingSet,
        labels: Sequence[str] = (),
        data_fingerprint: str | None = None,
        encoder: TextEncoder | None = None,
        progress: Progress = _quiet,
    ) -> SentimentModel:
        """Fit on ``texts`` labelled negative/neutral/positive (or on a :class:`TrainingSet`,
        which also gives weights, languages and anger); ``data_fingerprint`` names the data (by
        default a fingerprint of the texts and labels themselves); ``progress`` hears each
        step."""
        # Training only: scoring reads the fitted numbers without scikit-learn (module doc).
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        data = texts if isinstance(texts, TrainingSet) else TrainingSet.plain(texts, labels)
        union = _union()
        vader = VaderFeatures()
        encoder = encoder or sentiment_encoder()
        english = [i for i, flag in enumerate(data.english) if flag]
        parts = []
        for start in range(0, len(english), _ENCODE_CHUNK):
            chunk = english[start : start + _ENCODE_CHUNK]
            parts.append(encoder.encode([data.texts[i] for i in chunk]))
            done = min(start + _ENCODE_CHUNK, len(english))
            progress(f"sentiment model: {done:,} of {len(english):,} English texts encoded")
        encoded = np.vstack(parts) if parts else np.zeros((1, 384), dtype=np.float32)
        minilm_mean = encoded.mean(axis=0)
        # Other languages get the average English vector, as they do when scored.
        minilm = np.tile(minilm_mean, (len(data.texts), 1))
        if english:
            minilm[english] = encoded
        progress("sentiment model: lexicon scores and TF-IDF features")
        dense = np.hstack(
            [np.array([vader(t) for t in data.texts]) * VADER_WEIGHT, minilm * MINILM_WEIGHT]
        )
        matrix = sp.hstack([union.fit_transform(data.texts), sp.csr_matrix(dense)]).tocsr()
        weights = np.asarray(data.weights, dtype=np.float64)
        progress(f"sentiment model: fitting the logistic regression on {matrix.shape} features")
        model = LogisticRegression(**_LEARNER)
        model.fit(matrix, data.labels, sample_weight=weights)
        known = np.flatnonzero(np.asarray(data.angry) >= 0)
        progress(f"sentiment model: fitting the frustration head on {len(known):,} texts")
        anger = LogisticRegression(**_ANGER_LEARNER)
        anger.fit(matrix[known], np.asarray(data.angry)[known], sample_weight=weights[known])
        if data_fingerprint is None:
            examples = [
                LabelledExample(t, lab, "external")
                for t, lab in zip(data.texts, data.labels, strict=True)
            ]
            data_fingerprint = fingerprint(examples)
        arrays: dict[str, np.ndarray] = {
            "classes": np.array([str(c) for c in model.classes_], dtype=str),
            "coef": np.asarray(model.coef_),
            "intercept": np.asarray(model.intercept_),
            "anger_coef": np.asarray(anger.coef_),
            "anger_intercept": np.asarray(anger.intercept_),
            "minilm_mean": np.asarray(minilm_mean),
        }
        for name, vectorizer in union.transformer_list:
            arrays[f"{name}_terms"] = fitted.vocabulary_terms(vectorizer.vocabulary_)
            arrays[f"{name}_idf"] = np.asarray(vectorizer.idf_)
        return cls(arrays, data_fingerprint, encoder)

    def scores(self, text: str, english: bool = True) -> tuple[dict[str, float], float]:
        """The probability of each label for ``text``, and the probability that its writer is
        angry (``english``: whether MiniLM can read it)."""
        decision = self._text_scorer.decision(text) + self._vader(text) @ self._vader_weights
        if english:
            decision += self._encoder.encode([text])[0] @ self._minilm_weights
        else:
            decision += self._other_language_minilm
        classes, anger = decision[:-1], float(decision[-1])
        classes -= classes.max()
        exp = np.exp(classes)
        probabilities = exp / exp.sum()
        labels = {label: float(p) for label, p in zip(self.classes, probabilities, strict=True)}
        return labels, 1.0 / (1.0 + math.exp(-anger))

    def probabilities(self, text: str, english: bool = True) -> dict[str, float]:
        """The probability of each label for ``text`` (``english``: whether MiniLM can read it)."""
        return self.scores(text, english)[0]

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


def rated_part(sentences: Sequence[RatedSentence]) -> TrainingSet:
    """Rated sentences as training data: English, weight 1, anger not known (a strongly
    negative movie review says nothing of an exasperated customer)."""
    return TrainingSet(
        [s.text for s in sentences],
        [s.label for s in sentences],
        [1.0] * len(sentences),
        [True] * len(sentences),
        [-1] * len(sentences),
    )


def requests_part(requests: Sequence[str]) -> TrainingSet:
    """The weakly labelled neutral requests: English, weight 1, not angry."""
    return TrainingSet(
        list(requests),
        ["neutral"] * len(requests),
        [1.0] * len(requests),
        [True] * len(requests),
        [0] * len(requests),
    )


def support_part(path: Path | None = None) -> TrainingSet:
    """The training part of the hand-written support messages, each weighing
    :data:`SUPPORT_WEIGHT`; the test part is never read here."""
    messages = load_support_messages(path or SUPPORT_SENTIMENT_PATH, split="train")
    return TrainingSet(
        [m.text for m in messages],
        [m.sentiment for m in messages],
        [SUPPORT_WEIGHT] * len(messages),
        [m.language == "en" for m in messages],
        [int(m.angry) for m in messages],
    )


def default_training_set() -> TrainingSet:
    """The shipped data: the rated sentences, the neutral requests and the training part of
    the hand-written support messages."""
    return (
        rated_part(load_rated_sentences())
        + requests_part(support_requests())
        + support_part(SUPPORT_SENTIMENT_PATH)
    )


def shipped_data_digest() -> str:
    """sha256 of the shipped training data files' bytes (the rated sentences, the BANKING77
    queries the neutral requests are drawn from and the hand-written support messages) and of
    how many requests are drawn and how much a support message weighs."""
    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{NEUTRAL_REQUESTS}|{SUPPORT_WEIGHT}|".encode())
    for path in (SENTIMENT_DATA_PATH, DEFAULT_BANKING77_DIR / "train.csv", SUPPORT_SENTIMENT_PATH):
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
        json.dumps(_ANGER_LEARNER, sort_keys=True),
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


def train_shipped_data(
    progress: Progress = _quiet, encoder: TextEncoder | None = None
) -> SentimentModel:
    """Train on the shipped data (minutes); ``encoder``: the sentiment encoder or one that
    gives the same vectors (:class:`.sentiment_vectors.CachedSentimentEncoder`)."""
    started = time.perf_counter()
    progress("sentiment model: building the training set")
    model = SentimentModel.train(
        default_training_set(),
        data_fingerprint=shipped_data_fingerprint(),
        encoder=encoder,
        progress=progress,
    )
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
