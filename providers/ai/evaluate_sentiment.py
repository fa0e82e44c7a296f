"""Evaluate the local sentiment model on real customer text it never saw. Evaluation only.

``python -m providers.ai.evaluate_sentiment`` holds out 25% of the Amazon product-review
sentences (stratified, seed 0) — the shipped data closest to customer messages — trains on
everything else (with the training part of the hand-written support messages and the neutral
requests, as the shipped model is), and prints macro-F1 and accuracy of the full analyser
(politeness removal and frustration cues included) on them, next to VADER alone (compound
≥ 0.05 positive, ≤ -0.05 negative, its authors' thresholds), each with a 95% bootstrap
interval: a few hundred sentences fix macro-F1 to only a few points. It does the same for
held-out tweets, then scores the test part of the hand-written support messages with the
shipped model (:mod:`.evaluate_support_sentiment`: per language, per class, and the share of
calm messages held as angry). ``--vector-cache DIR`` keeps the encoder's vectors between
trainings and runs (:mod:`.sentiment_vectors`; the figures are the same with or without it).
``--write-test DIR`` also writes each held-out part as a CSV for ``python -m engine eval
sentiment`` (which scores the model shipped, trained on all the data, so use it on data outside
the shipped set).

``--cross-fit ENCODERS`` scores all 3,708 Amazon sentences instead of one quarter: they fall into
four stratified parts (part 0 is that quarter), and each part is scored by a model whose encoder
and head never saw it. Parts 1-3 need their own fine-tuned encoders, made by
``scripts/finetune_encoder.py --sentiment-only --amazon-fold K --out ENCODERS/fold-K`` (torch,
about 20 minutes each on one core); four times the sentences narrow the interval by about half.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from providers.ai import evaluate_support_sentiment
from providers.ai.bootstrap import macro_f1_interval
from providers.ai.minilm_encoder import SENTIMENT_MODEL_FILENAME, MiniLMEncoder
from providers.ai.sentiment import SentimentAnalyzer
from providers.ai.sentiment_model import (
    RatedSentence,
    SentimentModel,
    TextEncoder,
    load_rated_sentences,
    rated_part,
    requests_part,
    support_part,
    support_requests,
)
from providers.ai.sentiment_vectors import CachedSentimentEncoder
from providers.errors import ProviderConfigError

_vader_label = evaluate_support_sentiment.vader_label


def held_out_quarter(
    sentences: Sequence[RatedSentence], source: str, seed: int = 0
) -> tuple[list[RatedSentence], list[RatedSentence]]:
    """``source``'s sentences as (rest, held-out quarter), stratified by label.

    The fine-tuning of the sentiment encoder leaves out the same quarters
    (``scripts/finetune_encoder.py``), so the figures are measured on text it never saw.
    """
    own = [s for s in sentences if s.source == source]
    rest, quarter = train_test_split(
        own, test_size=0.25, random_state=seed, stratify=[s.label for s in own]
    )
    return list(rest), list(quarter)


def _trained_analyzer(
    train: Sequence[RatedSentence], encoder: TextEncoder | None = None
) -> SentimentAnalyzer:
    """The full analyser with a model trained on ``train``, the neutral support requests and
    the training part of the hand-written support messages."""
    data = rated_part(train) + requests_part(support_requests()) + support_part()
    return SentimentAnalyzer(SentimentModel.train(data, encoder=encoder))


def _report(name: str, truth: Sequence[str], predicted: Sequence[str]) -> None:
    macro = f1_score(truth, predicted, average="macro", zero_division=0)
    accuracy = accuracy_score(truth, predicted)
    low, high = macro_f1_interval(truth, predicted)
    labels = ["negative", "neutral", "positive"]
    per_class = " / ".join(
        f"{f:.2f}" for f in f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    )
    print(
        f"{name:<44}{len(truth):>6}{accuracy:>10.3f}{macro:>10.3f}   {low:.3f}-{high:.3f}"
        f"   {per_class}"
    )


#: The Amazon sentences fall into this many stratified parts for cross-fitting; part 0 is the
#: quarter the single held-out figure is measured on.
AMAZON_FOLDS = 4


def amazon_folds(
    sentences: Sequence[RatedSentence], seed: int = 0
) -> list[tuple[list[RatedSentence], list[RatedSentence]]]:
    """The Amazon sentences as ``AMAZON_FOLDS`` (rest, held-out part) pairs, stratified by label.

    Part 0 is the quarter :func:`evaluate` holds out, with the rest in the order
    ``train_test_split`` gives it (so the validation tenth drawn from it stays the one the
    shipped encoder was made without); parts 1-3 divide the rest of the sentences in three.
    """
    own = [s for s in sentences if s.source == "amazon_reviews"]
    rest, quarter = held_out_quarter(sentences, "amazon_reviews", seed)
    pairs = [(rest, quarter)]
    splitter = StratifiedKFold(n_splits=AMAZON_FOLDS - 1, shuffle=True, random_state=seed)
    for _, part in splitter.split(rest, [s.label for s in rest]):
        held = {id(rest[i]) for i in part}
        pairs.append(([s for s in own if id(s) not in held], [rest[i] for i in part]))
    return pairs


def evaluate(
    source: str,
    sentences: Sequence[RatedSentence],
    seed: int,
    out: Path | None,
    encoder: TextEncoder | None = None,
) -> None:
    """Hold out 25% of ``source``, train on the rest, print the scores."""
    others = [s for s in sentences if s.source != source]
    train_own, test = held_out_quarter(sentences, source, seed)
    analyzer = _trained_analyzer(others + train_own, encoder)
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


def cross_fit(sentences: Sequence[RatedSentence], encoder_root: Path) -> None:
    """Score every Amazon sentence by a model that never saw it, and print the pooled figure.

    Part 0 is scored with the shipped encoder (made without it); parts 1-3 with the encoders
    ``scripts/finetune_encoder.py --sentiment-only --amazon-fold K --out ENCODER_ROOT/fold-K``
    made without them, from the same recipe. The head of each part is trained on everything else,
    as :func:`evaluate` does for part 0.
    """
    encoders: list[MiniLMEncoder | None] = [None]  # part 0: the shipped encoder
    for fold in range(1, AMAZON_FOLDS):
        directory = encoder_root / f"fold-{fold}"
        if not (directory / SENTIMENT_MODEL_FILENAME).is_file():
            raise ProviderConfigError(
                f"no encoder for Amazon part {fold}: {directory / SENTIMENT_MODEL_FILENAME} "
                f"is missing (make it with scripts/finetune_encoder.py --sentiment-only "
                f"--amazon-fold {fold} --out {directory})"
            )
        encoders.append(MiniLMEncoder(directory, SENTIMENT_MODEL_FILENAME))
    others = [s for s in sentences if s.source != "amazon_reviews"]
    truth: list[str] = []
    predicted: list[str] = []
    vader_predicted: list[str] = []
    vader = SentimentIntensityAnalyzer()
    for fold, ((rest, test), encoder) in enumerate(
        zip(amazon_folds(sentences), encoders, strict=True)
    ):
        analyzer = _trained_analyzer(others + rest, encoder)
        fold_truth = [s.label for s in test]
        fold_predicted = [analyzer.analyze(s.text).label for s in test]
        _report(f"amazon_reviews part {fold}: local model", fold_truth, fold_predicted)
        truth += fold_truth
        predicted += fold_predicted
        vader_predicted += [_vader_label(vader, s.text) for s in test]
    _report("all Amazon parts: local model", truth, predicted)
    _report("all Amazon parts: VADER lexicon alone", truth, vader_predicted)


def main(argv: Sequence[str] | None = None) -> int:
    """Print held-out scores for the Amazon reviews and the tweets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-test", type=Path, metavar="DIR")
    parser.add_argument(
        "--cross-fit",
        type=Path,
        metavar="ENCODERS",
        help="score all Amazon sentences, part by part, with the encoders in ENCODERS/fold-K",
    )
    parser.add_argument("--vector-cache", type=Path, metavar="DIR", help="sentiment vector cache")
    args = parser.parse_args(argv)
    sentences = load_rated_sentences()
    header = f"{'held-out part (trained on the rest)':<44}{'n':>6}{'accuracy':>10}{'macro-F1':>10}"
    print(f"{header}   95% interval (bootstrap)   F1 neg / neu / pos")
    if args.cross_fit is not None:
        try:
            cross_fit(sentences, args.cross_fit)
        except ProviderConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    encoder = CachedSentimentEncoder(args.vector_cache)
    for source in ("amazon_reviews", "tweets"):
        evaluate(source, sentences, args.seed, args.write_test, encoder)
        encoder.save()
    print()
    cache = [] if args.vector_cache is None else ["--vector-cache", str(args.vector_cache)]
    return evaluate_support_sentiment.main(cache)


if __name__ == "__main__":
    raise SystemExit(main())
