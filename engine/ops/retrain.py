"""Retraining the local classifier on demand, step by step, so a page can show its progress.

Workers retrain on their own when agents' corrections change (``LocalAIProvider``); this does
the same work now, scores it on examples it did not train on, and saves the model where every
process on the machine loads it from, so their next check finds it trained already.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.store.base import Store
from providers.ai.training_data import (
    LabelledExample,
    banking77_intent_split,
    load_training_examples,
)

if TYPE_CHECKING:
    from providers.ai.local_classifier import LocalClassifierModel

#: Share of the examples kept aside to score the retrained model.
HOLDOUT_SHARE = 0.1


@dataclass(frozen=True)
class RetrainProgress:
    """One finished step: what it was and how far the whole job is (0..1)."""

    step: str
    fraction: float


@dataclass(frozen=True)
class RetrainReport:
    """What the retrained model was trained on and how it scored."""

    examples: int
    corrections: int
    holdout: int
    holdout_accuracy: float
    corrections_holdout_accuracy: float | None
    train_seconds: float
    fingerprint: str


def corrections_as_examples(store: Store) -> list[LabelledExample]:
    """Agents' category corrections, as training examples."""
    return [
        LabelledExample(c.text, c.corrected_category, "correction")
        for c in store.list_corrections()
    ]


def split_holdout(
    examples: Sequence[LabelledExample],
    share: float,
    seed: int = 7,
    never_held_out: frozenset[str] = frozenset(),
) -> tuple[list[LabelledExample], list[LabelledExample]]:
    """(train, holdout), stratified by source and category: every category is scored, and a
    category with at least ``1 / share`` corrections always has some of them held out (left to
    chance, ten corrections among 1,500 shipped examples of their category were often all
    trained on). Texts in ``never_held_out`` are always trained on: the MiniLM encoder was
    fine-tuned on them, so scoring them would flatter the model."""
    by_group: dict[tuple[str, str], list[LabelledExample]] = {}
    for example in examples:
        by_group.setdefault((example.source, example.category), []).append(example)
    rng = random.Random(seed)
    train: list[LabelledExample] = []
    holdout: list[LabelledExample] = []
    for key in sorted(by_group):
        group = list(by_group[key])
        rng.shuffle(group)
        eligible = [e for e in group if e.text not in never_held_out]
        keep = min(int(len(group) * share), len(eligible)) if len(group) >= 5 else 0
        held = {id(e) for e in eligible[:keep]}
        holdout.extend(eligible[:keep])
        train.extend(e for e in group if id(e) not in held)
    return train, holdout


def encoder_training_texts() -> frozenset[str]:
    """The BANKING77 queries the MiniLM category encoder was fine-tuned on (the 80 % part)."""
    fine_tuned, _unseen = banking77_intent_split()
    return frozenset(text for text, _intent in fine_tuned)


def _accuracy(model: LocalClassifierModel, examples: Sequence[LabelledExample]) -> float | None:
    if not examples:
        return None
    predicted = model.predict([e.text for e in examples])
    return sum(p == e.category for p, e in zip(predicted, examples, strict=True)) / len(examples)


def retrain_local_classifier(
    store: Store, models_dir: Path
) -> Iterator[RetrainProgress | RetrainReport]:
    """Retrain on the shipped data plus every correction; yield progress, then the report."""
    # Imported here: scikit-learn, scipy and pandas weigh ~120 MB, and the app and the API
    # import this module (through the service) without ever retraining.
    from providers.ai.local_classifier import (
        MODEL_FILENAME,
        LocalClassifierModel,
        fingerprint,
        load_shipped_vectors,
    )
    from providers.ai.sentence_encoder import shared_encoder

    shipped = load_training_examples()
    corrections = corrections_as_examples(store)
    examples = shipped + corrections
    yield RetrainProgress(
        f"Read {len(shipped):,} shipped examples and {len(corrections):,} corrections", 0.05
    )
    encoder = shared_encoder()
    # The shipped examples' sentence vectors (shipped with the app, or saved by the last run):
    # only the corrections are encoded.
    encoder.load_cache(models_dir)
    load_shipped_vectors(encoder)
    train, holdout = split_holdout(examples, HOLDOUT_SHARE, never_held_out=encoder_training_texts())
    scored = LocalClassifierModel.train(train, encoder)
    yield RetrainProgress(f"Trained on {len(train):,} examples to score the new model", 0.45)
    accuracy = _accuracy(scored, holdout) or 0.0
    held_corrections = [e for e in holdout if e.source == "correction"]
    yield RetrainProgress(
        f"Scored {len(holdout):,} held-out examples: accuracy {accuracy:.3f}", 0.55
    )
    model = LocalClassifierModel.train(examples, encoder)
    yield RetrainProgress(f"Trained the model on all {len(examples):,} examples", 0.95)
    model.save(models_dir / MODEL_FILENAME)
    encoder.save_cache(models_dir)
    yield RetrainProgress("Saved; workers load it at their next check", 1.0)
    yield RetrainReport(
        examples=len(examples),
        corrections=len(corrections),
        holdout=len(holdout),
        holdout_accuracy=accuracy,
        corrections_holdout_accuracy=_accuracy(scored, held_corrections),
        train_seconds=model.info.train_seconds,
        fingerprint=fingerprint(examples),
    )
