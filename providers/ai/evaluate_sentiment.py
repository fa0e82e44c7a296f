"""Evaluate the local sentiment model on real customer text it never saw. Evaluation only.

``python -m providers.ai.evaluate_sentiment`` holds out 25% of the Amazon product-review
sentences (stratified, seed 0) — the shipped data closest to customer messages — trains on
everything else, and prints macro-F1 and accuracy of the full analyser (politeness removal and
frustration cues included) on them, next to VADER alone (compound ≥ 0.05 positive, ≤ -0.05
negative, its authors' thresholds), each with a 95% bootstrap interval: a few hundred sentences
fix macro-F1 to only a few points. It does the same for held-out tweets. ``--write-test DIR``
also writes each held-out part as a CSV for ``python -m engine eval sentiment`` (which scores the
model shipped, trained on all the data, so use it on data outside the shipped set).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from providers.ai.bootstrap import macro_f1_interval
from providers.ai.sentiment import SentimentAnalyzer
from providers.ai.sentiment_model import (
    RatedSentence,
    SentimentModel,
    load_rated_sentences,
    support_requests,
)


def _vader_label(analyzer: SentimentIntensityAnalyzer, text: str) -> str:
    compound = float(analyzer.polarity_scores(text)["compound"])
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def _report(name: str, truth: Sequence[str], predicted: Sequence[str]) -> None:
    macro = f1_score(truth, predicted, average="macro", zero_division=0)
    accuracy = accuracy_score(truth, predicted)
    low, high = macro_f1_interval(truth, predicted)
    print(f"{name:<44}{len(truth):>6}{accuracy:>10.3f}{macro:>10.3f}   {low:.3f}-{high:.3f}")


def evaluate(source: str, sentences: Sequence[RatedSentence], seed: int, out: Path | None) -> None:
    """Hold out 25% of ``source``, train on the rest, print the scores."""
    own = [s for s in sentences if s.source == source]
    others = [s for s in sentences if s.source != source]
    train_own, test = train_test_split(
        own, test_size=0.25, random_state=seed, stratify=[s.label for s in own]
    )
    train = others + list(train_own)
    requests = support_requests()
    model = SentimentModel.train(
        [s.text for s in train] + requests, [s.label for s in train] + ["neutral"] * len(requests)
    )
    analyzer = SentimentAnalyzer(model)
    vader = SentimentIntensityAnalyzer()
    truth = [s.label for s in test]
    _report(f"{source}: local model", truth, [analyzer.analyze(s.text).label for s in test])
    _report(f"{source}: VADER lexicon alone", truth, [_vader_label(vader, s.text) for s in test])
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with (out / f"{source}_test.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "sentiment"])
            writer.writerows((s.text, s.label) for s in test)


def main(argv: Sequence[str] | None = None) -> int:
    """Print held-out scores for the Amazon reviews and the tweets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-test", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    sentences = load_rated_sentences()
    header = f"{'held-out part (trained on the rest)':<44}{'n':>6}{'accuracy':>10}{'macro-F1':>10}"
    print(f"{header}   95% interval (bootstrap)")
    for source in ("amazon_reviews", "tweets"):
        evaluate(source, sentences, args.seed, args.write_test)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
