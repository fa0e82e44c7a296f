"""The hand-written support messages of the sentiment model's training data.

``data/sentiment/support_sentiment.csv`` holds customer-support messages in English, French,
German and Spanish written for this project (see ``data/ATTRIBUTION.md``): quiet complaints,
polite anger, sarcasm, angry mail, calm questions that mention a problem, plain requests,
thanks and praise, each labelled negative, neutral or positive, with its kind and a fixed
``split``: ``train`` rows join the training data, ``test`` rows never do (they are read only
by :mod:`.evaluate_sentiment`).

The kind also says whether the writer is angry, not only negative: angry mail, polite anger
and sarcasm are; a quiet complaint is negative without being angry. The sentiment model's
frustration head learns that difference from these rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from providers.errors import ProviderConfigError

SUPPORT_SENTIMENT_PATH: Path = (
    Path(__file__).resolve().parent / "data" / "sentiment" / "support_sentiment.csv"
)
SENTIMENTS = ("negative", "neutral", "positive")
SPLITS = ("train", "test")
#: The kinds whose writer is angry (the frustration head's positive class).
ANGRY_KINDS = frozenset({"angry", "polite_anger", "sarcasm"})
_COLUMNS = ("text", "sentiment", "language", "kind", "split")


@dataclass(frozen=True)
class SupportMessage:
    """One hand-written, labelled support message."""

    text: str
    sentiment: str
    language: str
    kind: str
    split: str

    @property
    def angry(self) -> bool:
        """Whether the writer is angry (not only negative)."""
        return self.kind in ANGRY_KINDS

    @property
    def calm(self) -> bool:
        """Neutral or positive: a message the guard rails must not hold as angry."""
        return self.sentiment != "negative"


def load_support_messages(
    path: Path = SUPPORT_SENTIMENT_PATH, split: str | None = None
) -> list[SupportMessage]:
    """The messages of ``path`` (only those of ``split`` when given).

    Raises :class:`ProviderConfigError` naming the line of a malformed row.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not path.is_file():
        raise ProviderConfigError(f"support sentiment data {path} does not exist")
    messages: list[SupportMessage] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ProviderConfigError(f"{path}: missing column(s) {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            if not row["text"].strip():
                raise ProviderConfigError(f"{path}, line {line}: empty text")
            if row["sentiment"] not in SENTIMENTS:
                raise ProviderConfigError(
                    f"{path}, line {line}: sentiment {row['sentiment']!r} is not one of "
                    f"{', '.join(SENTIMENTS)}"
                )
            if row["split"] not in SPLITS:
                raise ProviderConfigError(
                    f"{path}, line {line}: split {row['split']!r} is not train or test"
                )
            message = SupportMessage(*(row[c] for c in _COLUMNS))
            if split is None or message.split == split:
                messages.append(message)
    return messages
