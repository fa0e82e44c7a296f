"""``python -m engine eval classify|sentiment|timing``: score the local models on a team's own
CSVs, or time them on emails they never saw.

``classify`` trains the local category classifier's learner on ``--train`` and scores ``--test``;
with ``--taxonomy TAXONOMY.csv`` (columns name,description) it scores instead the classifier of
any taxonomy (:mod:`providers.ai.zero_shot`): zero-shot from the descriptions alone, or after
learning from ``--train``'s rows as agents' corrections when it is given;
``sentiment`` scores the shipped local sentiment model on ``--test`` (labels positive, neutral,
negative). Both print progress lines and end with one JSON object: accuracy, macro_f1, n,
train_seconds, ms_per_email (the mean wall-clock time to score one email, one at a time, as in
production) and cpu_ms_per_email (the same in this process's CPU time, which other programs
competing for the core do not inflate). ``timing`` classifies and drafts generated emails no
encoder has seen (one-line and whole; :mod:`providers.ai.timing`). Bad input is refused with
exit status 2 and a message naming the file and problem.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.cli.arguments import positive_int
from engine.settings import Settings
from providers.ai.labelled_csv import (
    LabelledDataError,
    LabelledRow,
    read_labelled_csv,
    read_taxonomy_csv,
)

SENTIMENT_LABELS = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class _Timing:
    wall_seconds: float
    cpu_seconds: float


def _scores(
    truth: Sequence[str], predicted: Sequence[str], timing: _Timing, train_seconds: float
) -> dict[str, Any]:
    # Imported here: every engine command (the worker, the API) imports this module, and
    # scikit-learn with scipy and pandas would cost them ~160 MB and seconds at start.
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(truth))
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(
            float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4
        ),
        "n": len(truth),
        "train_seconds": round(train_seconds, 3),
        "ms_per_email": round(timing.wall_seconds * 1000 / len(truth), 4),
        "cpu_ms_per_email": round(timing.cpu_seconds * 1000 / len(truth), 4),
    }


def _timed_predictions(
    predict: Callable[[str], str], rows: Sequence[LabelledRow]
) -> tuple[list[str], _Timing]:
    predict(rows[0].text)  # warm up caches outside the measurement
    started, cpu_started = time.perf_counter(), time.process_time()
    predicted = [predict(row.text) for row in rows]
    timing = _Timing(time.perf_counter() - started, time.process_time() - cpu_started)
    return predicted, timing


def _check_labels(rows: Sequence[LabelledRow], path: Path, names: set[str]) -> None:
    for row in rows:
        if row.label not in names:
            raise LabelledDataError(
                f"{path}, line {row.line}: label {row.label!r} is not a category of the "
                f"taxonomy ({sorted(names)})"
            )


def eval_taxonomy(args: argparse.Namespace) -> dict[str, Any]:
    """Score the any-taxonomy classifier of ``args.taxonomy`` on ``args.test``: zero-shot, or
    after learning from ``args.train`` as corrections."""
    from providers.ai.language import detect_language
    from providers.ai.training_data import LabelledExample
    from providers.ai.zero_shot import TaxonomyClassifier

    taxonomy = read_taxonomy_csv(args.taxonomy)
    names = {c.name for c in taxonomy}
    test_rows = read_labelled_csv(args.test, args.text_col, args.label_col)
    _check_labels(test_rows, args.test, names)
    train_rows: list[LabelledRow] = []
    if args.train is not None:
        train_rows = read_labelled_csv(args.train, args.text_col, args.label_col)
        _check_labels(train_rows, args.train, names)
    kind = f"learning from {len(train_rows)} rows" if train_rows else "zero-shot"
    print(f"building the classifier of {len(taxonomy)} categories ({kind}) ...", flush=True)
    started = time.perf_counter()
    model = TaxonomyClassifier(
        taxonomy, [LabelledExample(row.text, row.label, "correction") for row in train_rows]
    )
    train_seconds = time.perf_counter() - started
    print(f"scoring {len(test_rows)} rows ...", flush=True)
    predicted, timing = _timed_predictions(
        lambda text: model.predict([text], [detect_language(text).code])[0], test_rows
    )
    return _scores([r.label for r in test_rows], predicted, timing, train_seconds)


def eval_classify(args: argparse.Namespace) -> dict[str, Any]:
    """Train the category learner on ``args.train`` and score it on ``args.test``; with
    ``args.taxonomy``, score that taxonomy's classifier (:func:`eval_taxonomy`)."""
    from providers.ai.local_classifier import LocalClassifierModel
    from providers.ai.training_data import LabelledExample

    if args.taxonomy is not None:
        return eval_taxonomy(args)
    if args.train is None:
        raise LabelledDataError("--train is required unless --taxonomy is given")
    train_rows = read_labelled_csv(args.train, args.text_col, args.label_col, min_rows=2)
    test_rows = read_labelled_csv(args.test, args.text_col, args.label_col)
    labels = {row.label for row in train_rows}
    if len(labels) < 2:
        raise LabelledDataError(f"{args.train}: needs at least two distinct labels to learn from")
    unseen = sorted({row.label for row in test_rows} - labels)
    if unseen:
        print(f"note: {len(unseen)} test label(s) never seen in training: {unseen[:5]}")
    print(f"training on {len(train_rows)} rows, {len(labels)} labels ...", flush=True)
    model = LocalClassifierModel.train(
        [LabelledExample(row.text, row.label, "external") for row in train_rows]
    )
    print(f"scoring {len(test_rows)} rows ...", flush=True)
    predicted, timing = _timed_predictions(lambda text: model.predict([text])[0], test_rows)
    return _scores([r.label for r in test_rows], predicted, timing, model.info.train_seconds)


def eval_sentiment(args: argparse.Namespace) -> dict[str, Any]:
    """Score the shipped local sentiment model on ``args.test``."""
    from providers.ai.sentiment import SentimentAnalyzer

    rows = read_labelled_csv(
        args.test, args.text_col, args.label_col, allowed_labels=SENTIMENT_LABELS
    )
    started = time.perf_counter()
    analyzer = SentimentAnalyzer(models_dir=args.models_dir)
    load_seconds = time.perf_counter() - started
    print(f"scoring {len(rows)} rows ...", flush=True)
    predicted, timing = _timed_predictions(lambda text: analyzer.analyze(text).label, rows)
    return _scores([r.label for r in rows], predicted, timing, load_seconds)


def eval_timing(args: argparse.Namespace) -> dict[str, Any]:
    """Time classify() and draft() of the local provider on emails it never saw, one-line and
    whole."""
    from dataclasses import asdict

    from providers.ai.local import LocalAIProvider
    from providers.ai.timing import time_calls, unseen_emails

    provider = LocalAIProvider(args.models_dir)
    print(f"timing {args.emails} unseen one-line and {args.emails} whole emails ...", flush=True)
    return {
        "one_line": asdict(time_calls(provider, unseen_emails(args.emails, short=True))),
        "whole_email": asdict(time_calls(provider, unseen_emails(args.emails, short=False)[::-1])),
    }


def add_parser(sub: Any) -> None:
    """Register ``eval`` and its two subcommands on the engine's argument parser."""
    evaluation = sub.add_parser("eval", help="score the local models on labelled CSV files")
    kinds = evaluation.add_subparsers(dest="eval_kind", required=True)
    classify = kinds.add_parser(
        "classify",
        help="train on --train, score --test; or score a --taxonomy zero-shot / after --train",
    )
    classify.add_argument(
        "--taxonomy",
        type=Path,
        help="CSV with columns name,description: score the classifier of this taxonomy",
    )
    classify.add_argument("--train", type=Path)
    classify.add_argument("--test", type=Path, required=True)
    classify.add_argument("--text-col", default="text")
    classify.add_argument("--label-col", default="category")
    classify.set_defaults(func=run_eval, eval_func=eval_classify)
    sentiment = kinds.add_parser("sentiment", help="score the local sentiment on --test")
    sentiment.add_argument("--test", type=Path, required=True)
    sentiment.add_argument("--text-col", default="text")
    sentiment.add_argument("--label-col", default="sentiment")
    sentiment.set_defaults(func=run_eval, eval_func=eval_sentiment)
    timing = kinds.add_parser(
        "timing", help="time classify() and draft() on generated emails never seen before"
    )
    timing.add_argument("--emails", type=positive_int, default=200)
    timing.set_defaults(func=run_eval, eval_func=eval_timing)


def run_eval(settings: Settings, args: argparse.Namespace) -> int:
    """Run the chosen evaluation; the last line printed is the JSON result."""
    args.models_dir = settings.model_store_dir
    try:
        result = args.eval_func(args)
    except LabelledDataError as exc:
        print(f"eval {args.eval_kind}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, sort_keys=True))
    return 0
