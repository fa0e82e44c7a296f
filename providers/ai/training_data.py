"""Labelled examples the local category classifier is trained on.

Two sources, kept apart so they can be evaluated separately:

* ``banking77`` — the official training split of BANKING77 (Casanueva et al., 2020, "Efficient
  Intent Detection with Dual Sentence Encoders", arXiv:2003.04807; CC BY 4.0, see
  ``data/ATTRIBUTION.md``), its 77 intents mapped onto support categories by
  ``intent_to_support_category.csv``. Short single banking queries.
* ``handwritten`` — ``data/support_examples.csv``, written for this project: the categories
  BANKING77 lacks (feature_request, complaint) or under-represents, SaaS/e-commerce wording, and
  whole emails (greeting, several sentences, signature) in every category.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import importlib.metadata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from providers.ai.taxonomy import SUPPORT_CATEGORIES
from providers.ai.text_cleaning import strip_reply_noise
from providers.errors import ProviderConfigError

Source = Literal["banking77", "handwritten", "correction", "external"]

#: A copy of ``shared/data/banking77`` (CC BY 4.0, redistributed with its licence and credit in
#: ``data/ATTRIBUTION.md``), shipped so that a fresh clone trains without the shared folder.
DEFAULT_BANKING77_DIR: Path = Path(__file__).resolve().parent / "data" / "banking77"
#: The hand-written examples shipped with the provider.
SUPPORT_EXAMPLES_PATH: Path = Path(__file__).resolve().parent / "data" / "support_examples.csv"

_BANKING77_TRAIN = "train.csv"
_BANKING77_MAPPING = "intent_to_support_category.csv"


@dataclass(frozen=True)
class LabelledExample:
    """One training text, its support category and where it came from."""

    text: str
    category: str
    source: Source


def _read_rows(path: Path, columns: tuple[str, str]) -> list[tuple[str, str]]:
    if not path.is_file():
        raise ProviderConfigError(f"training data file {path} does not exist")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ProviderConfigError(f"{path} lacks the column(s) {', '.join(missing)}")
        return [(row[columns[0]], row[columns[1]]) for row in reader]


def _check_category(category: str, path: Path) -> str:
    if category not in SUPPORT_CATEGORIES:
        raise ProviderConfigError(f"{path}: unknown support category {category!r}")
    return category


def load_banking77_examples(banking77_dir: Path = DEFAULT_BANKING77_DIR) -> list[LabelledExample]:
    """BANKING77's ``train.csv`` with each intent replaced by its support category."""
    mapping_path = banking77_dir / _BANKING77_MAPPING
    mapping = {
        intent: _check_category(category, mapping_path)
        for intent, category in _read_rows(mapping_path, ("banking77_intent", "coarse_category"))
    }
    train_path = banking77_dir / _BANKING77_TRAIN
    examples: list[LabelledExample] = []
    for text, intent in _read_rows(train_path, ("text", "category")):
        if intent not in mapping:
            raise ProviderConfigError(f"{train_path}: intent {intent!r} has no support category")
        examples.append(LabelledExample(text.strip(), mapping[intent], "banking77"))
    return examples


def load_support_examples(path: Path = SUPPORT_EXAMPLES_PATH) -> list[LabelledExample]:
    """The hand-written examples, with quoted replies and signatures stripped like at runtime."""
    examples: list[LabelledExample] = []
    for row, (text, category) in enumerate(_read_rows(path, ("text", "category")), 1):
        cleaned = strip_reply_noise(text)
        if not cleaned:
            raise ProviderConfigError(f"{path}: data row {row} is empty once cleaned")
        examples.append(LabelledExample(cleaned, _check_category(category, path), "handwritten"))
    return examples


def load_training_examples(
    banking77_dir: Path = DEFAULT_BANKING77_DIR,
    support_examples_path: Path = SUPPORT_EXAMPLES_PATH,
) -> list[LabelledExample]:
    """Every training example: BANKING77 (mapped) followed by the hand-written ones."""
    return load_banking77_examples(banking77_dir) + load_support_examples(support_examples_path)


def training_fingerprint(examples: Iterable[LabelledExample], salt: str = "") -> str:
    """sha256 over the texts and labels (in order), plus ``salt`` (e.g. a pipeline version)."""
    digest = hashlib.sha256(salt.encode("utf-8"))
    for example in examples:
        digest.update(example.text.encode("utf-8"))
        digest.update(b"\x1f")
        digest.update(example.category.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


@functools.cache
def scikit_learn_version() -> str:
    """The installed scikit-learn's version, read from its metadata: a model's fingerprint
    records it, and a process that only scores must not import scikit-learn to learn it."""
    return importlib.metadata.version("scikit-learn")


def split_columns(examples: Sequence[LabelledExample]) -> tuple[list[str], list[str]]:
    """Texts and labels of ``examples`` as two parallel lists."""
    return [e.text for e in examples], [e.category for e in examples]


def banking77_intent_split(
    banking77_dir: Path = DEFAULT_BANKING77_DIR, test_size: float = 0.2, seed: int = 0
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """BANKING77's (text, intent) rows split 80/20, stratified by intent.

    The MiniLM encoder was fine-tuned on the first part only (``scripts/finetune_encoder.py``),
    so every held-out figure is measured on the second.
    """
    with (banking77_dir / "train.csv").open(newline="", encoding="utf-8") as handle:
        rows = [(row["text"], row["category"]) for row in csv.DictReader(handle)]
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        rows, test_size=test_size, stratify=[label for _, label in rows], random_state=seed
    )
    return list(train), list(test)
