"""Evaluate the local category classifier. Evaluation only: nothing here runs in production.

``python -m providers.ai.evaluate`` holds out 20% of the training examples (BANKING77's
stratified by intent, the MiniLM encoder's fine-tuning never saw them; the others by source and
category; seed 0), trains on the rest, and prints accuracy and macro-F1 on the held-out
BANKING77 queries and hand-written examples separately (and on the hand-written whole emails
alone), the training time, and the mean time of ``LocalAIProvider.classify`` per email.
``--cv 5`` adds a 5-fold cross-validation of the hand-written examples, a steadier figure than
the ~130 held-out ones; macro-F1 is averaged over the categories present in each subset.

``--write-banking77-split DIR`` instead writes BANKING77's training split, with its 77 original
intents, as ``DIR/train.csv`` and ``DIR/test.csv`` (80/20, stratified by intent, seed 0), for
``python -m engine eval classify --train DIR/train.csv --test DIR/test.csv``.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from providers.ai.local import LocalAIProvider
from providers.ai.local_classifier import LocalClassifierModel
from providers.ai.taxonomy import support_taxonomy
from providers.ai.training_data import (
    DEFAULT_BANKING77_DIR,
    LabelledExample,
    banking77_intent_split,
    load_training_examples,
)
from providers.email.base import InboundEmail


@dataclass(frozen=True)
class SubsetScore:
    """Accuracy and macro-F1 of a model on one group of examples."""

    name: str
    size: int
    accuracy: float
    macro_f1: float


def held_out_split(
    examples: Sequence[LabelledExample], test_size: float = 0.2, seed: int = 0
) -> tuple[list[LabelledExample], list[LabelledExample]]:
    """A train/test split: BANKING77 queries as :func:`banking77_intent_split` splits them, the
    other examples stratified by source and category."""
    held_out_texts = {text for text, _ in banking77_intent_split(test_size=test_size, seed=seed)[1]}
    banking = [e for e in examples if e.source == "banking77"]
    others = [e for e in examples if e.source != "banking77"]
    train = [e for e in banking if e.text not in held_out_texts]
    test = [e for e in banking if e.text in held_out_texts]
    if others:
        strata = [f"{e.source}:{e.category}" for e in others]
        other_train, other_test = train_test_split(
            others, test_size=test_size, stratify=strata, random_state=seed
        )
        train += other_train
        test += other_test
    return train, test


def score_subset(
    model: LocalClassifierModel, examples: Sequence[LabelledExample], name: str
) -> SubsetScore:
    """Score ``model`` on ``examples``; macro-F1 over the categories they contain."""
    truth = [e.category for e in examples]
    predicted = model.predict([e.text for e in examples])
    return _score(name, truth, predicted)


def _score(name: str, truth: Sequence[str], predicted: Sequence[str]) -> SubsetScore:
    labels = sorted(set(truth))
    return SubsetScore(
        name=name,
        size=len(truth),
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
    )


def cross_validate_handwritten(
    examples: Sequence[LabelledExample], folds: int = 5, seed: int = 0
) -> SubsetScore:
    """k-fold CV of the hand-written examples, each fold trained with every other example.

    BANKING77 examples stay in every training fold (they are never scored here).
    """
    handwritten = [e for e in examples if e.source == "handwritten"]
    others = [e for e in examples if e.source != "handwritten"]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    truth: list[str] = []
    predicted: list[str] = []
    for train_index, test_index in splitter.split(handwritten, [e.category for e in handwritten]):
        model = LocalClassifierModel.train(others + [handwritten[i] for i in train_index])
        test = [handwritten[i] for i in test_index]
        truth += [e.category for e in test]
        predicted += model.predict([e.text for e in test])
    return _score(f"handwritten, {folds}-fold CV", truth, predicted)


def mean_classify_ms(
    model: LocalClassifierModel, texts: Sequence[str], repeats: int = 3
) -> tuple[float, float, float]:
    """Mean milliseconds per email of ``classify()`` (wall clock and CPU time) and of
    ``draft()``, warmed up first."""
    with tempfile.TemporaryDirectory() as models_dir:
        provider = LocalAIProvider(Path(models_dir), classifier=model)
        provider.warm_up()
        emails = [
            InboundEmail(
                message_id=f"eval-{i}",
                mailbox="evaluation",
                from_address="customer@example.com",
                body_text=text,
                received_at=datetime.now(UTC),
            )
            for i, text in enumerate(texts)
        ]
        taxonomy = support_taxonomy()
        started, cpu_started = time.perf_counter(), time.process_time()
        classifications = [
            provider.classify(email, taxonomy) for _ in range(repeats) for email in emails
        ]
        classify_ms = (time.perf_counter() - started) * 1000 / len(classifications)
        classify_cpu_ms = (time.process_time() - cpu_started) * 1000 / len(classifications)
        started = time.perf_counter()
        for email, classification in zip(emails, classifications, strict=False):
            provider.draft(email, classification)
        draft_ms = (time.perf_counter() - started) * 1000 / len(emails)
    return classify_ms, classify_cpu_ms, draft_ms


def write_banking77_split(
    banking77_dir: Path, out_dir: Path, test_size: float = 0.2, seed: int = 0
) -> tuple[int, int]:
    """Write :func:`banking77_intent_split` as two CSV files; return the two sizes."""
    train, test = banking77_intent_split(banking77_dir, test_size, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, part in (("train.csv", train), ("test.csv", test)):
        with (out_dir / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "category"])
            writer.writerows(part)
    return len(train), len(test)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--banking77-dir", type=Path, default=DEFAULT_BANKING77_DIR)
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cv", type=int, default=0, help="also run k-fold CV (e.g. 5)")
    parser.add_argument("--write-banking77-split", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    if args.write_banking77_split:
        sizes = write_banking77_split(
            args.banking77_dir, args.write_banking77_split, args.test_size, args.seed
        )
        print(f"wrote {sizes[0]} training and {sizes[1]} test rows to {args.write_banking77_split}")
        return 0

    examples = load_training_examples(args.banking77_dir)
    train, test = held_out_split(examples, args.test_size, args.seed)
    model = LocalClassifierModel.train(train)
    handwritten = [e for e in test if e.source == "handwritten"]
    scores = [
        score_subset(model, [e for e in test if e.source == "banking77"], "banking77 (mapped)"),
        score_subset(model, handwritten, "handwritten"),
        score_subset(model, [e for e in handwritten if "\n" in e.text], "  of which whole emails"),
        score_subset(model, test, "all held-out"),
    ]
    if args.cv:
        scores.append(cross_validate_handwritten(examples, args.cv, args.seed))
    full_model = LocalClassifierModel.train(examples)
    classify_ms, classify_cpu_ms, draft_ms = mean_classify_ms(model, [e.text for e in handwritten])

    print(f"Local classifier evaluation ({len(examples)} examples; {len(train)} train,")
    print(f"{len(test)} held out, stratified by source and category, seed {args.seed})")
    print()
    print(f"{'subset':<30}{'n':>6}{'accuracy':>10}{'macro-F1':>10}")
    for score in scores:
        print(f"{score.name:<30}{score.size:>6}{score.accuracy:>10.3f}{score.macro_f1:>10.3f}")
    print()
    print(
        f"training time, full data ({full_model.info.n_examples} examples): "
        f"{full_model.info.train_seconds:.1f} s"
    )
    print(
        f"classify(): {classify_ms:.1f} ms per email ({classify_cpu_ms:.1f} ms CPU time)   "
        f"draft(): {draft_ms:.1f} ms per email"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
