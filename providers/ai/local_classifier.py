"""The local category classifier: TF-IDF and two sentence encoders, three logistic regressions.

Word 1-2-grams and character 2-5-grams (``char_wb``) are combined in a ``FeatureUnion`` and fed to
a multinomial ``LogisticRegression``. A second logistic regression reads the text's
Universal-Sentence-Encoder vector, a third its MiniLM vector (both from :mod:`.sentence_encoder`;
the weights ship with the application). The category probabilities are their weighted geometric
mean, renormalised: the bag of n-grams knows the exact wording of the training data, the encoders
know paraphrases. MiniLM reads English only, so a text detected as another language is scored by
the first two alone (``OTHER_LANGUAGE_WEIGHTS``) and an English one by all three
(``ENGLISH_WEIGHTS``). BANKING77 held out (README): 0.894 TF-IDF alone, 0.897 USE alone, 0.92
MiniLM alone, 0.93 all three.
Classes are balanced (BANKING77 is mostly billing and account; feature_request and complaint
exist only in the hand-written examples), and hand-written examples count more than a BANKING77
query because they are the shape of the mail this provider actually sees.

Training uses scikit-learn; scoring does not. The model is its fitted numbers (the arrays of
:meth:`LocalClassifierModel.to_arrays`), scored by
:class:`~providers.ai.tfidf_scorer.FastScorer` with the analysers of :mod:`.tfidf_features` (a
tenth of the time of scikit-learn's ``Pipeline``, and none of its ~120 MB of imports in a
process that only classifies); a test checks that it agrees with the pipeline.

The shipped model (:mod:`.fitted`, ``data/fitted/category.npz``) is used whenever it was fitted
on the same data with the same recipe, so nothing trains on a fresh clone. Models trained here
(on agents' corrections, or when the shipped one is stale) are saved as joblib (pickle) files of
those arrays in the models folder: only load files this application wrote itself.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from providers.ai import fitted
from providers.ai.language import detect_language
from providers.ai.minilm_encoder import MAX_TOKENS
from providers.ai.model_files import MODEL_FILENAME as MODEL_FILENAME
from providers.ai.model_files import SHIPPED_MODEL_PATH as SHIPPED_MODEL_PATH
from providers.ai.model_files import SHIPPED_VECTORS_PATH as SHIPPED_VECTORS_PATH
from providers.ai.sentence_encoder import (
    DIMENSIONS,
    ENCODER_NAME,
    MAX_ENCODED_CHARS,
    MINILM_PART,
    USE_PART,
    SentenceEncoder,
    shared_encoder,
    text_key,
)
from providers.ai.tfidf_features import TfidfBlock, TfidfSettings
from providers.ai.tfidf_scorer import FastScorer
from providers.ai.training_data import (
    LabelledExample,
    load_training_examples,
    scikit_learn_version,
    split_columns,
    training_fingerprint,
)
from providers.errors import ProviderConfigError
from providers.files import atomic_writer

if TYPE_CHECKING:  # training only: scoring needs none of scikit-learn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

#: Bump when the pipeline changes so saved models trained by older code are retrained.
PIPELINE_VERSION = f"tfidf-word12-char25-logreg+{ENCODER_NAME}-logreg-v3"
#: How much more a hand-written example weighs than a BANKING77 query.
HANDWRITTEN_WEIGHT = 3.0
#: How much more an agent's correction weighs: a person looked at this very email and fixed it.
CORRECTION_WEIGHT = 5.0
SOURCE_WEIGHTS: dict[str, float] = {
    "handwritten": HANDWRITTEN_WEIGHT,
    "correction": CORRECTION_WEIGHT,
}
#: Weights of the TF-IDF, USE and MiniLM models' log-probabilities, and the encoder heads'
#: inverse regularisation. Chosen on a validation tenth of the BANKING77 training part (README
#: "Measured figures"), never on its test part.
ENGLISH_WEIGHTS = (0.3, 0.2, 0.5)
OTHER_LANGUAGE_WEIGHTS = (0.6, 0.4, 0.0)
ENCODER_C = 100.0
MINILM_C = 10.0
_FORMAT = 4
#: The TF-IDF features: word 1-2-grams and character 2-5-grams within words.
TFIDF_FEATURES: tuple[tuple[str, TfidfSettings], ...] = (
    ("word", TfidfSettings("word", (1, 2), min_df=2)),
    ("char", TfidfSettings("char_wb", (2, 5), min_df=2)),
)
#: The learners' own settings.
TFIDF_LEARNER: dict[str, Any] = {
    "C": 10.0,
    "class_weight": "balanced",
    "solver": "newton-cg",
    "max_iter": 1000,
}
#: scikit-learn's ``LogisticRegression()`` settings, as the recipe records them: written out so
#: that the recipe is known without importing scikit-learn (a test compares them with the
#: installed version's, which an upgrade may change).
LOGISTIC_REGRESSION_DEFAULTS: dict[str, Any] = {
    "C": 1.0,
    "class_weight": None,
    "dual": False,
    "fit_intercept": True,
    "intercept_scaling": 1,
    "l1_ratio": 0.0,
    "max_iter": 100,
    "n_jobs": None,
    "penalty": "deprecated",
    "random_state": None,
    "solver": "lbfgs",
    "tol": 0.0001,
    "verbose": 0,
    "warm_start": False,
}

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default progress listener: hears nothing."""


def encoder_learner(c: float = ENCODER_C) -> dict[str, Any]:
    """The settings of a logistic regression over sentence vectors."""
    return {"C": c, "class_weight": "balanced", "max_iter": 3000}


def build_encoder_head(c: float = ENCODER_C) -> LogisticRegression:
    """The untrained logistic regression over sentence vectors."""
    from sklearn.linear_model import LogisticRegression  # training only (module doc)

    return LogisticRegression(**encoder_learner(c))


def build_pipeline() -> Pipeline:
    """The untrained scikit-learn pipeline."""
    # Training only: scoring reads the fitted numbers without scikit-learn (module doc).
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [(name, TfidfVectorizer(**settings.sklearn_params())) for name, settings in TFIDF_FEATURES]
    )
    classifier = LogisticRegression(**TFIDF_LEARNER)
    return Pipeline([("features", features), ("classifier", classifier)])


def fitted_arrays(pipeline: Pipeline, use: Any, minilm: Any) -> dict[str, np.ndarray]:
    """The fitted numbers of a trained pipeline and its two encoder heads (the arrays
    :class:`LocalClassifierModel` is built from and the shipped file holds)."""
    arrays: dict[str, np.ndarray] = {
        "classes": np.array([str(c) for c in pipeline.classes_], dtype=str)
    }
    for name, vectorizer in pipeline.named_steps["features"].transformer_list:
        arrays[f"{name}_terms"] = fitted.vocabulary_terms(vectorizer.vocabulary_)
        arrays[f"{name}_idf"] = np.asarray(vectorizer.idf_)
    for name, model in (
        ("tfidf", pipeline.named_steps["classifier"]),
        ("use", use),
        ("minilm", minilm),
    ):
        if tuple(str(c) for c in model.classes_) != tuple(arrays["classes"].tolist()):
            raise ProviderConfigError("the parts of the classifier disagree on the classes")
        arrays[f"{name}_coef"] = np.asarray(model.coef_)
        arrays[f"{name}_intercept"] = np.asarray(model.intercept_)
    return arrays


def sklearn_pipeline(arrays: dict[str, np.ndarray]) -> Pipeline:
    """The scikit-learn pipeline of ``arrays``' TF-IDF model, unfitted parts given the fitted
    numbers: the reference :class:`FastScorer` is tested against."""
    pipeline = build_pipeline()
    for name, vectorizer in pipeline.named_steps["features"].transformer_list:
        vectorizer.vocabulary_ = fitted.vocabulary_from_terms(arrays[f"{name}_terms"])
        vectorizer.idf_ = arrays[f"{name}_idf"]
    model = pipeline.named_steps["classifier"]
    model.classes_ = np.asarray(arrays["classes"])
    model.coef_ = arrays["tfidf_coef"]
    model.intercept_ = arrays["tfidf_intercept"]
    model.n_features_in_ = model.coef_.shape[1]
    return pipeline


def _coef(coef_: np.ndarray) -> np.ndarray:
    coef = np.asarray(coef_, dtype=np.float32)
    if coef.shape[0] == 1:  # a binary head has one decision value: class 1 against class 0
        coef = np.vstack([np.zeros_like(coef), coef])
    return coef


def _intercept(intercept_: np.ndarray) -> np.ndarray:
    intercept = np.asarray(intercept_, dtype=np.float32)
    if intercept.shape[0] == 1:
        intercept = np.concatenate([np.zeros_like(intercept), intercept])
    return intercept


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted: np.ndarray = logits - logits.max()
    return shifted - math.log(float(np.exp(shifted).sum()))


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
        self, arrays: dict[str, np.ndarray], info: ModelInfo, encoder: SentenceEncoder | None = None
    ) -> None:
        """The model of the fitted numbers ``arrays`` (:meth:`to_arrays`); raises
        :class:`ProviderConfigError` when they are incomplete or inconsistent."""
        try:
            self.classes: tuple[str, ...] = tuple(str(c) for c in arrays["classes"].tolist())
            blocks = [
                TfidfBlock.from_terms(settings, arrays[f"{name}_terms"], arrays[f"{name}_idf"])
                for name, settings in TFIDF_FEATURES
            ]
            width = sum(len(block.vocabulary) for block in blocks)
            if arrays["tfidf_coef"].shape[1] != width:
                raise ValueError(f"tfidf_coef has {arrays['tfidf_coef'].shape[1]} columns")
            self._scorer = FastScorer(blocks, arrays["tfidf_coef"], arrays["tfidf_intercept"])
            # One matrix product scores both heads: the USE head reads the USE part of the
            # vector, the MiniLM head the MiniLM part.
            n = len(self.classes)
            coef = np.zeros((DIMENSIONS, 2 * n), dtype=np.float32)
            coef[USE_PART, :n] = _coef(arrays["use_coef"]).T
            coef[MINILM_PART, n:] = _coef(arrays["minilm_coef"]).T
            self._head_intercept = np.concatenate(
                [_intercept(arrays["use_intercept"]), _intercept(arrays["minilm_intercept"])]
            ).astype(np.float32)
            if self._head_intercept.shape != (2 * n,):
                raise ValueError("the heads' intercepts do not match the classes")
        except (KeyError, ValueError, IndexError) as exc:
            raise ProviderConfigError(f"the category model is incomplete ({exc})") from exc
        self._head_coef = coef
        self._arrays = dict(arrays)
        self._encoder = encoder or shared_encoder()
        self.info = info

    @classmethod
    def train(
        cls,
        examples: Sequence[LabelledExample],
        encoder: SentenceEncoder | None = None,
        progress: Progress = _quiet,
    ) -> LocalClassifierModel:
        """Fit both models on ``examples`` (seconds once the texts' vectors are cached);
        ``progress`` hears each step."""
        if len({e.category for e in examples}) < 2:
            raise ProviderConfigError("training needs examples of at least two categories")
        encoder = encoder or shared_encoder()
        started = time.perf_counter()
        texts, labels = split_columns(examples)
        weights = np.array([SOURCE_WEIGHTS.get(e.source, 1.0) for e in examples])
        progress(f"category classifier: fitting the TF-IDF model on {len(texts):,} texts")
        pipeline = build_pipeline()
        pipeline.fit(texts, labels, classifier__sample_weight=weights)
        vectors = encoder.encode(texts, remember=True, progress=progress)
        progress("category classifier: fitting the sentence-vector models")
        use = build_encoder_head().fit(vectors[:, USE_PART], labels, sample_weight=weights)
        minilm = build_encoder_head(MINILM_C).fit(
            vectors[:, MINILM_PART], labels, sample_weight=weights
        )
        info = ModelInfo(
            fingerprint=fingerprint(examples),
            n_examples=len(examples),
            trained_at=datetime.now(UTC),
            train_seconds=time.perf_counter() - started,
        )
        return cls(fitted_arrays(pipeline, use, minilm), info, encoder)

    def _probability_rows(
        self, texts: Sequence[str], languages: Sequence[str] | None = None
    ) -> np.ndarray:
        if languages is None:
            languages = [detect_language(text).code for text in texts]
        vectors = self._encoder.encode(texts)
        head_logits = (vectors @ self._head_coef + self._head_intercept).astype(np.float64)
        n = len(self.classes)
        rows = np.empty((len(texts), n), dtype=np.float64)
        for i, text in enumerate(texts):
            w_tfidf, w_use, w_minilm = (
                ENGLISH_WEIGHTS if languages[i].startswith("en") else OTHER_LANGUAGE_WEIGHTS
            )
            mixed = w_tfidf * np.log(np.maximum(self._scorer.probabilities(text), 1e-300))
            mixed += w_use * _log_softmax(head_logits[i, :n])
            if w_minilm:
                mixed += w_minilm * _log_softmax(head_logits[i, n:])
            mixed -= mixed.max()
            exp = np.exp(mixed)
            rows[i] = exp / exp.sum()
        return rows

    def predict_proba(
        self, texts: Sequence[str], languages: Sequence[str] | None = None
    ) -> list[dict[str, float]]:
        """For each text, the probability of every class.

        ``languages`` are the texts' detected language codes (detected here when not given).
        """
        return [
            {label: float(p) for label, p in zip(self.classes, row, strict=True)}
            for row in self._probability_rows(texts, languages)
        ]

    def predict(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> list[str]:
        """The most probable class of each text."""
        rows = self._probability_rows(texts, languages)
        return [self.classes[int(np.argmax(row))] for row in rows]

    def pipeline_predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """scikit-learn's own TF-IDF probabilities: the reference :class:`FastScorer` is tested
        against."""
        return np.asarray(sklearn_pipeline(self._arrays).predict_proba(list(texts)))

    def tfidf_probabilities(self, text: str) -> np.ndarray:
        """The TF-IDF model's probabilities alone, as :class:`FastScorer` computes them."""
        return self._scorer.probabilities(text)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted numbers, for :func:`.fitted.write_arrays` (read by :meth:`from_arrays`)."""
        return dict(self._arrays)

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], info: ModelInfo, encoder: SentenceEncoder | None = None
    ) -> LocalClassifierModel:
        """The model :meth:`to_arrays` described (it predicts exactly as the original)."""
        return cls(arrays, info, encoder)

    def save(self, path: Path) -> None:
        """Write the model to ``path`` atomically (a reader never sees half a file)."""
        import joblib  # only a model trained here is saved, and read back by a later process

        payload: dict[str, Any] = {
            "format": _FORMAT,
            "arrays": self._arrays,
            "encoder": ENCODER_NAME,
            "info": self.info,
        }
        with atomic_writer(path) as file:
            joblib.dump(payload, file, compress=3)

    @classmethod
    def load(cls, path: Path) -> LocalClassifierModel:
        """Read a model written by :meth:`save` (numpy arrays: no scikit-learn needed)."""
        import joblib  # only a process that had a model trained here reads one

        payload = joblib.load(path)
        if (
            not isinstance(payload, dict)
            or payload.get("format") != _FORMAT
            or payload.get("encoder") != ENCODER_NAME
            or not isinstance(payload.get("info"), ModelInfo)
            or not isinstance(payload.get("arrays"), dict)
        ):
            raise ProviderConfigError(f"{path} is not a local classifier model of this version")
        return cls(payload["arrays"], payload["info"])


def fingerprint(examples: Sequence[LabelledExample]) -> str:
    """The fingerprint a model trained on ``examples`` records.

    sha256 of the texts and labels, salted with the pipeline and scikit-learn versions, so new
    data, a changed pipeline or a scikit-learn upgrade all lead to retraining.
    """
    return training_fingerprint(
        examples, salt=f"{PIPELINE_VERSION}|sklearn {scikit_learn_version()}"
    )


def data_fingerprint(examples: Sequence[LabelledExample]) -> str:
    """The training data's own fingerprint (texts and labels, in order), as shipped files
    record it."""
    return training_fingerprint(examples)


def _settings(params: dict[str, Any]) -> str:
    """``params`` as the recipe records an estimator's ``get_params()``: the plain values."""
    simple = {k: v for k, v in params.items() if isinstance(v, str | int | float | bool | tuple)}
    return json.dumps(simple, sort_keys=True)


@functools.cache
def recipe() -> str:
    """Everything besides the data that decides the fitted numbers: the features' and learners'
    settings, the example weights, the encoders and how much of a text they read. A shipped
    model fitted under another recipe is not used."""
    parts = [
        PIPELINE_VERSION,
        *(_settings(settings.recipe_params()) for _, settings in TFIDF_FEATURES),
        _settings({**LOGISTIC_REGRESSION_DEFAULTS, **TFIDF_LEARNER}),
        _settings({**LOGISTIC_REGRESSION_DEFAULTS, **encoder_learner()}),
        _settings({**LOGISTIC_REGRESSION_DEFAULTS, **encoder_learner(MINILM_C)}),
        json.dumps(SOURCE_WEIGHTS, sort_keys=True),
        f"chars {MAX_ENCODED_CHARS} tokens {MAX_TOKENS}",
    ]
    return "\n".join(parts)


def vectors_recipe() -> str:
    """What decides a text's sentence vector: the encoders and how much of the text they read."""
    return f"{ENCODER_NAME}|chars {MAX_ENCODED_CHARS} tokens {MAX_TOKENS}"


def load_shipped(
    examples: Sequence[LabelledExample], path: Path | None = None
) -> LocalClassifierModel | None:
    """The shipped model if it was fitted on ``examples`` with the current recipe, else None."""
    path = path or SHIPPED_MODEL_PATH
    meta = fitted.read_meta(path)
    if not fitted.matches(meta, data=data_fingerprint(examples), recipe=recipe()):
        if meta is not None:
            logger.info("the shipped category model does not match this data or recipe")
        return None
    info = ModelInfo(
        fingerprint=fingerprint(examples),
        n_examples=len(examples),
        trained_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
        train_seconds=0.0,
    )
    return LocalClassifierModel.from_arrays(fitted.read_arrays(path), info)


def save_shipped(model: LocalClassifierModel, examples: Sequence[LabelledExample]) -> None:
    """Write ``model`` (fitted on ``examples``) and its texts' vectors as the shipped files."""
    meta = {"data": data_fingerprint(examples), "recipe": recipe(), "examples": len(examples)}
    fitted.write_arrays(SHIPPED_MODEL_PATH, model.to_arrays(), meta)
    texts = list(dict.fromkeys(e.text for e in examples))
    keys = np.frombuffer(b"".join(text_key(t) for t in texts), dtype=np.uint8).reshape(-1, 16)
    vectors = model._encoder.encode(texts).astype(np.float16)
    fitted.write_arrays(
        SHIPPED_VECTORS_PATH,
        {"keys": keys, "vectors": vectors},
        {"data": data_fingerprint(examples), "recipe": vectors_recipe(), "texts": len(texts)},
    )


def load_shipped_vectors(encoder: SentenceEncoder, path: Path | None = None) -> int:
    """Give ``encoder`` the shipped training texts' vectors (float16, so a model retrained on
    corrections differs from one trained on freshly encoded texts in the fourth decimal of its
    coefficients); how many. None when they were computed by other encoders."""
    path = path or SHIPPED_VECTORS_PATH
    meta = fitted.read_meta(path)
    if meta is None or meta.get("recipe") != vectors_recipe():
        return 0
    arrays = fitted.read_arrays(path)
    return encoder.remember_vectors(arrays["keys"], arrays["vectors"])


def load_or_train(
    models_dir: Path,
    examples: Sequence[LabelledExample] | None = None,
    progress: Progress = _quiet,
) -> LocalClassifierModel:
    """The shipped model if it was fitted on ``examples``; else the one saved in
    ``models_dir/local_classifier.joblib`` if it was trained on them; else train, and save there.

    ``examples`` defaults to :func:`load_training_examples`. A missing, unreadable or stale model
    (its fingerprint differs from the current data's) is retrained and saved in its place; the
    shipped training texts' vectors are reused, so only new texts (corrections) are encoded.
    When the default training data cannot be read but a saved model exists, that model is used
    as is (with a warning), since its freshness cannot be checked. ``progress`` hears each step.
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
    shipped = load_shipped(examples)
    if shipped is not None:
        progress("category classifier: loaded the shipped model")
        return shipped
    expected = fingerprint(examples)
    if path.is_file():
        try:
            model = LocalClassifierModel.load(path)
        except Exception as exc:  # a corrupt or foreign file is replaced, not fatal
            logger.warning("retraining: could not load %s (%s)", path, exc)
        else:
            if model.info.fingerprint == expected:
                progress(f"category classifier: loaded {path}")
                return model
            logger.info("retraining: %s was trained on different data", path)
    progress(
        f"category classifier: training on {len(examples):,} examples (no shipped or saved "
        "model matches this data)"
    )
    encoder.load_cache(models_dir)
    load_shipped_vectors(encoder)
    model = LocalClassifierModel.train(examples, encoder, progress)
    model.save(path)
    encoder.save_cache(models_dir)
    logger.info(
        "trained local classifier on %d examples in %.1fs",
        model.info.n_examples,
        model.info.train_seconds,
    )
    progress(f"category classifier: trained in {model.info.train_seconds:.0f} s")
    return model
