"""Sentiment of an email: the trained model of :mod:`.sentiment_model`, read the support way.

The model scores the text without politeness formulas (a support request that says "please" and
"thanks" is not a happy message). Frustration cues (:mod:`.sentiment_cues`) then shift the odds
towards negative, by :data:`CUE_LOG_ODDS` each, because the training sentences rarely show an
exasperated customer's idioms ("still waiting", "third time", shouting).

Frustration, from 0 to 1, is the model's probability that the writer is angry (its frustration
head, which reads the same features, the number of cues among them): a quiet complaint ("I was
quoted 3-5 days. It's been 16.") is negative with a low frustration, so the guard rails, which
hold negative mail from a frustration threshold up, hold the angry and not every complaint. It
used to be the probability of negative raised by the cues, which held calm questions that
mention a problem as angry.

The sentence encoder reads English only; other languages are read through their n-grams (the
training data holds French, German and Spanish support mail) and get a lower confidence.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from providers.ai.base import Sentiment
from providers.ai.sentiment_cues import frustration_cues, without_politeness
from providers.ai.sentiment_model import SentimentModel, load_or_train_sentiment

#: How far each frustration cue moves the log-odds towards negative. The rated sentences have few
#: support complaints, and the MiniLM block reads a short support query as confidently neutral
#: (0.96-0.99), so two cues ("Still waiting!!") must be able to outweigh that.
CUE_LOG_ODDS = 3.5

__all__ = ["SentimentAnalyzer", "SentimentResult", "frustration_cues", "without_politeness"]

_default_lock = threading.Lock()
_default_models: dict[Path | None, SentimentModel] = {}


@dataclass(frozen=True)
class SentimentResult:
    """A sentiment label, its confidence, frustration and the evidence behind them."""

    label: Sentiment
    confidence: float
    frustration: float
    probabilities: dict[str, float]
    cues: tuple[str, ...]


def _quiet(message: str) -> None:
    """The default progress listener: hears nothing."""


def default_model(
    models_dir: Path | None = None, progress: Callable[[str], None] = _quiet
) -> SentimentModel:
    """The shipped model (or one trained into ``models_dir``), loaded once per process;
    ``progress`` hears the steps of a first load."""
    with _default_lock:
        if models_dir not in _default_models:
            _default_models[models_dir] = load_or_train_sentiment(models_dir, progress)
        return _default_models[models_dir]


class SentimentAnalyzer:
    """Positive, neutral or negative, with confidence and frustration, for an email text."""

    def __init__(
        self,
        model: SentimentModel | None = None,
        models_dir: Path | None = None,
        progress: Callable[[str], None] = _quiet,
    ) -> None:
        self._model = model or default_model(models_dir, progress)

    def analyze(self, text: str, language: str = "en") -> SentimentResult:
        """Score ``text``; ``language`` other than English lowers the confidence."""
        polite_free = without_politeness(text)
        scored = polite_free if polite_free.strip() else text
        probabilities, angry = self._model.scores(scored, english=language.startswith("en"))
        cues = frustration_cues(text)
        if cues:
            shift = math.exp(CUE_LOG_ODDS * len(cues))
            weights = {k: v * (shift if k == "negative" else 1.0) for k, v in probabilities.items()}
            total = sum(weights.values())
            probabilities = {k: v / total for k, v in weights.items()}
        label = max(probabilities, key=lambda k: probabilities[k])
        confidence = probabilities[label]
        if not language.startswith("en"):
            confidence *= 0.6
        frustration = angry
        sentiment: Sentiment = (
            "negative"
            if label == "negative"
            else ("positive" if label == "positive" else "neutral")
        )
        return SentimentResult(
            sentiment,
            round(confidence, 3),
            round(frustration, 3),
            {k: round(v, 4) for k, v in probabilities.items()},
            cues,
        )
