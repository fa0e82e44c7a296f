"""Agreement of the priority rules with the demo generator's priority labels.

The labels come from our own demo generator (providers/email/demo.py), not from real mail: the
figures say how well the rules read the cues the generator writes, nothing about real tickets.
Each email is read with its true category and the local sentiment analyser, so only the priority
rules are measured. Prints accuracy, Cohen's kappa and the confusion counts.

    .venv/bin/python scripts/measure_priority.py [N]
"""

from __future__ import annotations

import inspect
import sys
from collections import Counter
from datetime import UTC, datetime

from providers.ai.priority import assess_priority
from providers.ai.sentiment import SentimentAnalyzer
from providers.ai.text_cleaning import email_classification_text
from providers.email.demo import DemoEmailSource

LEVELS = ("urgent", "high", "normal", "low")


def cohen_kappa(pairs: list[tuple[str, str]]) -> float:
    """Cohen's kappa of (label, prediction) pairs."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    labels, predictions = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(labels[k] * predictions[k] for k in LEVELS) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    source = DemoEmailSource(seed=11, start=datetime(2026, 12, 7, 9, tzinfo=UTC))
    analyzer = SentimentAnalyzer()
    takes_today = "today" in inspect.signature(assess_priority).parameters
    pairs: list[tuple[str, str]] = []
    for index in range(n):
        email, labels = source.generate_labelled(index)
        text = email_classification_text(email)
        sentiment = analyzer.analyze(text, labels.language)
        if takes_today:
            result = assess_priority(
                text, labels.category, sentiment, today=email.received_at.date()
            )
        else:
            result = assess_priority(text, labels.category, sentiment)
        pairs.append((labels.priority, result.level))
    accuracy = sum(a == b for a, b in pairs) / n
    print(f"demo generator emails (our own, not real data): {n}")
    print(f"accuracy {accuracy:.3f}  cohen kappa {cohen_kappa(pairs):.3f}")
    confusion = Counter(pairs)
    print("label \\ predicted  " + "  ".join(f"{p:>7}" for p in LEVELS))
    for label in LEVELS:
        print(f"{label:>17}  " + "  ".join(f"{confusion[(label, p)]:>7}" for p in LEVELS))


if __name__ == "__main__":
    main()
