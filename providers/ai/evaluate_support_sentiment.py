"""Sentiment and frustration on the held-out hand-written support messages. Evaluation only.

``python -m providers.ai.evaluate_support_sentiment`` scores the ``test`` part of
``data/sentiment/support_sentiment.csv`` (about a quarter, stratified by language and sentiment,
never trained on) with the shipped sentiment model (trained first when it is stale), as
classify() does: the language is detected, politeness removed, the frustration cues read. It
prints, per language and in all, accuracy and macro-F1 with a 95% bootstrap interval, the F1 of
each class, VADER alone beside it, and how the guard rails would read the messages: the share of
calm ones (neutral or positive) held as "angry customer" (negative with frustration at or above
:data:`ANGRY_FRUSTRATION`, the default of ``MAILROOM_AI_REVIEW_MAX_FRUSTRATION``), and the share
of angry ones (angry, polite anger, sarcasm) that are held.

The messages were written for this project (``data/ATTRIBUTION.md``): a check that the model
reads support mail as we label it, not a substitute for a hold-out of real customer mail.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sklearn.metrics import accuracy_score, f1_score
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from providers.ai import guard_defaults
from providers.ai.bootstrap import macro_f1_interval
from providers.ai.language import detect_language
from providers.ai.sentiment import SentimentAnalyzer
from providers.ai.sentiment_model import load_shipped_sentiment, train_shipped_data
from providers.ai.sentiment_vectors import CachedSentimentEncoder
from providers.ai.support_sentiment import (
    SENTIMENTS,
    SUPPORT_SENTIMENT_PATH,
    SupportMessage,
    load_support_messages,
)

#: Frustration from which a negative email is held as "angry customer" (the guard rails'
#: default threshold, ``MAILROOM_AI_REVIEW_MAX_FRUSTRATION``).
ANGRY_FRUSTRATION = guard_defaults.MAX_FRUSTRATION
LANGUAGES = ("en", "fr", "de", "es")


class _Result(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def frustration(self) -> float: ...


class Analyzer(Protocol):
    """What is scored: :class:`.sentiment.SentimentAnalyzer` or anything shaped like it."""

    def analyze(self, text: str, language: str = "en") -> _Result: ...


@dataclass(frozen=True)
class Reading:
    """How one message was read."""

    message: SupportMessage
    label: str
    frustration: float
    vader: str

    @property
    def held_as_angry(self) -> bool:
        return self.label == "negative" and self.frustration >= ANGRY_FRUSTRATION


def vader_label(analyzer: SentimentIntensityAnalyzer, text: str) -> str:
    """VADER alone, with its authors' thresholds (compound ±0.05)."""
    compound = float(analyzer.polarity_scores(text)["compound"])
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def read_messages(messages: Sequence[SupportMessage], analyzer: Analyzer) -> list[Reading]:
    """Each message scored as classify() scores an email (language detected first)."""
    vader = SentimentIntensityAnalyzer()
    readings = []
    for message in messages:
        result = analyzer.analyze(message.text, detect_language(message.text).code)
        readings.append(
            Reading(message, result.label, result.frustration, vader_label(vader, message.text))
        )
    return readings


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "-"


def report(readings: Sequence[Reading], out: Callable[[str], None] = print) -> None:
    """Print the figures of ``readings`` per language and in all."""
    out(
        f"{'support test part':<22}{'n':>5}{'acc':>7}{'macro-F1':>10}  95% interval   "
        f"F1 neg / neu / pos     VADER macro-F1"
    )
    for language in (*LANGUAGES, "all"):
        part = [r for r in readings if language in ("all", r.message.language)]
        if not part:
            continue
        truth = [r.message.sentiment for r in part]
        predicted = [r.label for r in part]
        low, high = macro_f1_interval(truth, predicted)
        per_class = f1_score(truth, predicted, labels=list(SENTIMENTS), average=None)
        vader = f1_score(truth, [r.vader for r in part], average="macro", zero_division=0)
        out(
            f"{language:<22}{len(part):>5}{accuracy_score(truth, predicted):>7.3f}"
            f"{f1_score(truth, predicted, average='macro', zero_division=0):>10.3f}"
            f"  {low:.3f}-{high:.3f}   {' / '.join(f'{f:.2f}' for f in per_class)}"
            f"     {vader:.3f}"
        )
    calm = [r for r in readings if r.message.calm]
    angry = [r for r in readings if r.message.angry]
    quiet = [r for r in readings if r.message.kind == "quiet_complaint"]
    out(
        f"calm (neutral/positive) held as angry customer: "
        f"{_share(sum(r.held_as_angry for r in calm), len(calm))}"
    )
    for language in LANGUAGES:
        own = [r for r in calm if r.message.language == language]
        out(f"  {language}: {_share(sum(r.held_as_angry for r in own), len(own))}")
    out(
        f"angry / polite anger / sarcasm held: "
        f"{_share(sum(r.held_as_angry for r in angry), len(angry))}; quiet complaints held: "
        f"{_share(sum(r.held_as_angry for r in quiet), len(quiet))}, read negative: "
        f"{_share(sum(r.label == 'negative' for r in quiet), len(quiet))}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Score the test part with the shipped model (trained first if stale) and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=SUPPORT_SENTIMENT_PATH)
    parser.add_argument(
        "--vector-cache", type=Path, metavar="DIR", help="sentiment vector cache (if training)"
    )
    args = parser.parse_args(argv)
    model = load_shipped_sentiment()
    if model is None:
        print("the shipped sentiment model is stale: training it (minutes)")
        encoder = CachedSentimentEncoder(args.vector_cache)
        model = train_shipped_data(encoder=encoder)
        encoder.save()
    report(read_messages(load_support_messages(args.data, split="test"), SentimentAnalyzer(model)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
