"""Guard-rail thresholds chosen from measured precision. Evaluation only.

``python -m providers.ai.evaluate_guard_rails [--limit N]`` prints two tables (the README's
"Guard-rail thresholds") and the thresholds that :mod:`.guard_defaults`' targets choose:

* **angry customer** (negative sentiment with frustration at or above the threshold), read as
  classify() reads it, on the held-out ``test`` part of the hand-written support messages
  (never trained on): the precision of the holds (share of held messages whose writer is angry:
  angry, polite anger, sarcasm), their recall (share of the angry ones held), the share of calm
  (neutral or positive) messages held; and the share of the demo mailbox's calm emails held
  (first emails outside the complaint category, labelled neutral or positive, seeds 25 and 7,
  all four languages). Chosen: the lowest threshold whose holds reach
  :data:`.guard_defaults.ANGER_PRECISION_TARGET` and that holds no calm demo email, so as many
  angry customers as possible are held at that precision.
* **low confidence** (category confidence below the threshold), with the category classifier
  trained on the 80 % training part of ``python -m providers.ai.evaluate``'s split and scored on
  its held-out part (BANKING77 queries mapped to the support categories, and the hand-written
  emails and queries), and on the demo mailbox (every email of the same seeds, follow-ups
  included, read by the shipped model, which is not trained on the generator's mail): the
  precision of the answers let through (share right among those at or above the threshold),
  the share held, and the share of wrong answers held. Chosen: the highest threshold that holds
  at most :data:`.guard_defaults.LOW_CONFIDENCE_HOLD_BUDGET` of each part, so the answers let
  through are as precise as that budget allows.

The support messages are our own writing and the anger threshold is chosen on their test part,
so its precision there is a little optimistic: a check on real mail is still to be made.
``--limit N`` scores the first N items of each set (a quick run for tests).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from providers.ai.evaluate import held_out_split
from providers.ai.evaluate_support_sentiment import read_messages
from providers.ai.guard_defaults import (
    ANGER_PRECISION_TARGET,
    LOW_CONFIDENCE_HOLD_BUDGET,
    MAX_FRUSTRATION,
    MIN_CONFIDENCE,
)
from providers.ai.local import LocalAIProvider
from providers.ai.local_classifier import LocalClassifierModel, load_shipped_vectors
from providers.ai.sentence_encoder import shared_encoder
from providers.ai.sentiment import SentimentAnalyzer
from providers.ai.support_sentiment import load_support_messages
from providers.ai.taxonomy import support_taxonomy
from providers.ai.training_data import load_training_examples
from providers.email.demo import DemoEmailSource

#: Thresholds read, from 0.30 to 0.95 by 0.05.
THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(14))
DEMO_SEEDS = (25, 7)
DEMO_EMAILS = 400


@dataclass(frozen=True)
class AngerRow:
    """The "angry customer" rule at one threshold."""

    threshold: float
    held: int
    held_angry: int
    angry: int
    size: int
    calm_held: int
    calm: int
    demo_calm_held: int
    demo_calm: int

    @property
    def precision(self) -> float | None:
        return self.held_angry / self.held if self.held else None

    @property
    def recall(self) -> float:
        return self.held_angry / self.angry if self.angry else 0.0


@dataclass(frozen=True)
class ConfidenceRow:
    """The "low confidence" rule at one threshold, on one held-out part."""

    part: str
    threshold: float
    size: int
    passed: int
    passed_right: int
    wrong: int
    wrong_held: int

    @property
    def precision(self) -> float | None:
        return self.passed_right / self.passed if self.passed else None

    @property
    def held_share(self) -> float:
        return 1.0 - self.passed / self.size if self.size else 0.0

    @property
    def errors_held(self) -> float | None:
        return self.wrong_held / self.wrong if self.wrong else None


@dataclass(frozen=True)
class Scored:
    """How one message was read: negative or not, and its frustration."""

    negative: bool
    frustration: float


def anger_rows(
    support: Sequence[tuple[Scored, bool, bool]],
    demo_calm: Sequence[Scored],
    thresholds: Sequence[float] = THRESHOLDS,
) -> list[AngerRow]:
    """The anger rule at each threshold; ``support`` holds (reading, angry, calm) triples."""

    def held(item: Scored, threshold: float) -> bool:
        return item.negative and item.frustration >= threshold

    rows = []
    for t in thresholds:
        rows.append(
            AngerRow(
                threshold=t,
                held=sum(held(s, t) for s, _, _ in support),
                held_angry=sum(held(s, t) for s, angry, _ in support if angry),
                angry=sum(angry for _, angry, _ in support),
                size=len(support),
                calm_held=sum(held(s, t) for s, _, calm in support if calm),
                calm=sum(calm for _, _, calm in support),
                demo_calm_held=sum(held(s, t) for s in demo_calm),
                demo_calm=len(demo_calm),
            )
        )
    return rows


def confidence_rows(
    part: str, answers: Sequence[tuple[float, bool]], thresholds: Sequence[float] = THRESHOLDS
) -> list[ConfidenceRow]:
    """The low-confidence rule at each threshold; ``answers`` holds (confidence, right) pairs."""
    wrong = sum(not right for _, right in answers)
    return [
        ConfidenceRow(
            part=part,
            threshold=t,
            size=len(answers),
            passed=sum(c >= t for c, _ in answers),
            passed_right=sum(c >= t and right for c, right in answers),
            wrong=wrong,
            wrong_held=sum(c < t and not right for c, right in answers),
        )
        for t in thresholds
    ]


def choose_anger(rows: Sequence[AngerRow], target: float = ANGER_PRECISION_TARGET) -> float | None:
    """The lowest threshold whose holds reach ``target`` and that holds no calm demo email."""
    for row in sorted(rows, key=lambda r: r.threshold):
        if row.held and (row.precision or 0.0) >= target and row.demo_calm_held == 0:
            return row.threshold
    return None


def choose_confidence(
    parts: Sequence[Sequence[ConfidenceRow]], budget: float = LOW_CONFIDENCE_HOLD_BUDGET
) -> float | None:
    """The highest threshold that holds at most ``budget`` of every part."""
    by_threshold: dict[float, list[ConfidenceRow]] = {}
    for rows in parts:
        for row in rows:
            by_threshold.setdefault(row.threshold, []).append(row)
    within = [
        threshold
        for threshold, rows in by_threshold.items()
        if all(row.held_share <= budget for row in rows)
    ]
    return max(within, default=None)


def read_demo_mailbox(limit: int | None = None) -> tuple[list[Scored], list[tuple[float, bool]]]:
    """The demo generator's emails (seeds :data:`DEMO_SEEDS`) as classify() reads them, with the
    shipped model: the calm ones' readings, and every email's (category confidence, right)."""
    with tempfile.TemporaryDirectory() as models_dir:
        provider = LocalAIProvider(Path(models_dir))
        provider.warm_up()
        taxonomy = support_taxonomy()
        calm: list[Scored] = []
        answers: list[tuple[float, bool]] = []
        for seed in DEMO_SEEDS:
            source = DemoEmailSource(
                seed=seed,
                start=datetime(2026, 1, 5, tzinfo=UTC),
                language_mix={"en": 1, "fr": 1, "de": 1, "es": 1},
            )
            for index in range(DEMO_EMAILS if limit is None else limit):
                email, labels = source.generate_labelled(index)
                classification = provider.classify(email, taxonomy)
                answers.append(
                    (classification.category_confidence, classification.category == labels.category)
                )
                if (
                    labels.sentiment != "negative"
                    and labels.category != "complaint"
                    and not labels.is_follow_up
                ):
                    calm.append(
                        Scored(classification.sentiment == "negative", classification.frustration)
                    )
    return calm, answers


def measure_anger(demo_calm: Sequence[Scored], limit: int | None = None) -> list[AngerRow]:
    """Read the support test part; the rule at each threshold, with the calm demo emails."""
    messages = load_support_messages(split="test")[:limit]
    readings = read_messages(messages, SentimentAnalyzer())
    support = [
        (Scored(r.label == "negative", r.frustration), r.message.angry, r.message.calm)
        for r in readings
    ]
    return anger_rows(support, demo_calm)


def measure_confidence(
    demo_answers: Sequence[tuple[float, bool]], limit: int | None = None
) -> list[list[ConfidenceRow]]:
    """Train on the evaluation split's training part; the rule at each threshold per held-out
    part, and on the demo mailbox read by the shipped model."""
    train, test = held_out_split(load_training_examples())
    encoder = shared_encoder()
    load_shipped_vectors(encoder)
    model = LocalClassifierModel.train(train, encoder)
    tables = []
    for part, source in (("BANKING77 held out", "banking77"), ("hand-written", "handwritten")):
        examples = [e for e in test if e.source == source][:limit]
        probabilities = model.predict_proba([e.text for e in examples])
        answers = [
            (max(p.values()), max(p, key=lambda k: p[k]) == e.category)
            for p, e in zip(probabilities, examples, strict=True)
        ]
        tables.append(confidence_rows(part, answers))
    tables.append(confidence_rows("demo mailbox", demo_answers))
    return tables


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report(
    anger: Sequence[AngerRow],
    confidence: Sequence[Sequence[ConfidenceRow]],
    out: Callable[[str], None] = print,
) -> tuple[float | None, float | None]:
    """Print both tables as Markdown and the chosen thresholds; return them."""
    first = anger[0]
    out(
        f"Angry customer: {first.size} held-out support messages ({first.angry} angry, "
        f"{first.calm} calm, the others negative without anger), "
        f"{first.demo_calm} calm demo emails"
    )
    out("")
    out(
        "| frustration ≥ | holds | precision | recall (angry held) | calm held "
        "| calm demo emails held |"
    )
    out("|---|---|---|---|---|---|")
    for row in anger:
        out(
            f"| {row.threshold:.2f} | {row.held} | {_pct(row.precision)} | "
            f"{row.held_angry}/{row.angry} = {row.recall:.3f} | {row.calm_held}/{row.calm} | "
            f"{row.demo_calm_held}/{row.demo_calm} |"
        )
    out("")
    out("Low confidence: category classifier trained on the 80 % training part")
    out("")
    out("| confidence < | part | n | precision of answers passed | share held | errors held |")
    out("|---|---|---|---|---|---|")
    for rows in zip(*confidence, strict=True):
        for row in rows:
            out(
                f"| {row.threshold:.2f} | {row.part} | {row.size} | {_pct(row.precision)} | "
                f"{row.held_share:.3f} | {_pct(row.errors_held)} |"
            )
    max_frustration = choose_anger(anger)
    min_confidence = choose_confidence(confidence)
    out("")
    out(
        f"chosen: frustration {_pct(max_frustration)} (precision of holds ≥ "
        f"{ANGER_PRECISION_TARGET}, no calm demo email held), confidence {_pct(min_confidence)} "
        f"(the highest that holds at most {LOW_CONFIDENCE_HOLD_BUDGET:.0%} of each part)"
    )
    out(
        f"the engine's defaults (providers/ai/guard_defaults.py): frustration {MAX_FRUSTRATION}, "
        f"confidence {MIN_CONFIDENCE}"
    )
    return max_frustration, min_confidence


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both rules and print the tables and the chosen thresholds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--limit", type=int, help="score only the first N items of each set")
    args = parser.parse_args(argv)
    demo_calm, demo_answers = read_demo_mailbox(args.limit)
    report(measure_anger(demo_calm, args.limit), measure_confidence(demo_answers, args.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
