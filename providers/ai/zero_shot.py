"""Classify into any taxonomy: zero-shot from the categories' names and descriptions, then learning.

A workflow may bring categories the shipped classifier was never trained on (``warranty_claim``,
``product_question``). :class:`TaxonomyClassifier` reads each category as the sentence
``"<name with spaces>: <description>"`` and places it in the same sentence-encoder space as the
emails (:mod:`.sentence_encoder`: USE-multilingual and MiniLM, each part L2-normalised).

* **Zero-shot** (no labelled example for any category): the probabilities are a softmax of the
  cosine similarities between the email and each category sentence, divided by a temperature
  fitted once on data of another domain (``ZERO_SHOT_TEMPERATURE``; BANKING77's held-out fifth
  with its 77 intent names as the categories, ``scripts/taxonomy_figures.py --fit-temperature``)
  so that a confidence of 0.6 is right about 60% of the time rather than a raw cosine.
* **Learning** (some categories have examples: agents' corrections, or shipped data for the
  categories they name): each category is represented by a prototype, the normalised sum of
  its sentence's vector (weighing ``DESCRIPTION_WEIGHT`` examples) and its examples' vectors,
  and scored as above against the prototypes. A category with no example keeps its sentence
  alone, so a taxonomy that mixes learnt and new categories stays balanced (a logistic
  regression over the same vectors scored a point or two higher with examples for every
  category, but with examples for one category of fifteen it answered that one for nearly every
  text); and a category's description keeps shaping its prototype however many examples it
  has: editing it changes the next classification.

MiniLM reads English only, so mail detected as another language is scored on the USE part alone
(its own temperature and its own head), as the shipped classifier does.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence

import numpy as np

from providers.ai.base import Category
from providers.ai.sentence_encoder import MINILM_PART, USE_PART, SentenceEncoder, shared_encoder
from providers.ai.training_data import LabelledExample
from providers.errors import PermanentProviderError

#: Softmax temperatures over cosine similarities, English (both encoders) and other languages
#: (USE alone). Fitted by ``scripts/taxonomy_figures.py --fit-temperature`` on BANKING77's
#: held-out fifth (2,001 queries, 77 intent names, no descriptions): never on the data the
#: README's taxonomy figures are measured on.
ZERO_SHOT_TEMPERATURE = 0.045
ZERO_SHOT_TEMPERATURE_USE = 0.051
#: How many examples a category's own sentence counts for in its prototype.
DESCRIPTION_WEIGHT = 2.0
#: At most this many examples per category are learnt from (corrections first, then the
#: hand-written examples, then BANKING77): a known category with 1,500 shipped queries would
#: otherwise drown the new ones, and training stays well under a second.
MAX_EXAMPLES_PER_CATEGORY = 64
_SOURCE_ORDER = {"correction": 0, "external": 1, "handwritten": 2, "banking77": 3}


def category_text(category: Category) -> str:
    """The sentence that stands for ``category``: its name in words, then its description."""
    name = category.name.replace("_", " ").replace("-", " ").strip()
    description = category.description.strip()
    return f"{name}: {description}" if description else name


def _normalised_parts(vectors: np.ndarray, english: bool) -> np.ndarray:
    """Each encoder's part L2-normalised; both side by side (scaled to unit length) for English,
    the USE part alone otherwise."""
    use = vectors[:, USE_PART]
    use = use / np.maximum(np.linalg.norm(use, axis=1, keepdims=True), 1e-12)
    if not english:
        return np.asarray(use)
    minilm = vectors[:, MINILM_PART]
    minilm = minilm / np.maximum(np.linalg.norm(minilm, axis=1, keepdims=True), 1e-12)
    return np.hstack([use, minilm]) / math.sqrt(2.0)


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature``."""
    shifted = scores / temperature
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return result


def select_examples(
    taxonomy: Sequence[Category],
    examples: Sequence[LabelledExample],
    per_category: int = MAX_EXAMPLES_PER_CATEGORY,
) -> list[LabelledExample]:
    """The examples of ``taxonomy``'s categories to learn from: at most ``per_category`` each,
    the latest corrections first, then shipped data, each source in a fixed spread order."""
    names = {c.name for c in taxonomy}
    by_category: dict[str, list[tuple[int, int, LabelledExample]]] = {}
    for position, example in enumerate(examples):
        if example.category in names:
            rank = _SOURCE_ORDER.get(example.source, 9)
            # Latest corrections first; shipped data in a deterministic spread (not file order,
            # which is grouped by intent in BANKING77).
            order = -position if example.source == "correction" else _spread(example.text)
            by_category.setdefault(example.category, []).append((rank, order, example))
    chosen: list[LabelledExample] = []
    for name in sorted(by_category):
        ranked = sorted(by_category[name], key=lambda item: (item[0], item[1]))
        chosen += [example for _, _, example in ranked[:per_category]]
    return chosen


def _spread(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "big")


def taxonomy_fingerprint(taxonomy: Sequence[Category], examples: Sequence[LabelledExample]) -> str:
    """What a :class:`TaxonomyClassifier` depends on: category sentences and examples."""
    digest = hashlib.sha256()
    for category in taxonomy:
        digest.update(f"{category.name}\x1f{category_text(category)}\x1e".encode())
    digest.update(b"\x1d")
    for example in examples:
        digest.update(f"{example.text}\x1f{example.category}\x1e".encode())
    return digest.hexdigest()


class TaxonomyClassifier:
    """Probabilities over any taxonomy, zero-shot or learnt from a few examples (module doc)."""

    def __init__(
        self,
        taxonomy: Sequence[Category],
        examples: Sequence[LabelledExample] = (),
        encoder: SentenceEncoder | None = None,
    ) -> None:
        """Build for ``taxonomy`` (unique names) from ``examples`` of its categories; examples of
        other categories are ignored. Encodes the category sentences and examples now."""
        if not taxonomy:
            raise PermanentProviderError("the taxonomy has no category")
        names = [c.name for c in taxonomy]
        if len(set(names)) != len(names):
            raise PermanentProviderError(f"the taxonomy names a category twice: {names}")
        self.classes: tuple[str, ...] = tuple(names)
        self._encoder = encoder or shared_encoder()
        index = {name: i for i, name in enumerate(names)}
        self.examples = [e for e in examples if e.category in index]
        self.fingerprint = taxonomy_fingerprint(taxonomy, self.examples)
        category_vectors = self._encoder.encode([category_text(c) for c in taxonomy], remember=True)
        self._category = {
            english: _normalised_parts(category_vectors, english) for english in (True, False)
        }
        self._prototypes = dict(self._category)
        if self.examples:
            example_vectors = self._encoder.encode([e.text for e in self.examples], remember=True)
            members = np.zeros((len(names), len(self.examples)), dtype=np.float32)
            for column, example in enumerate(self.examples):
                members[index[example.category], column] = 1.0
            for english in (True, False):
                summed = DESCRIPTION_WEIGHT * self._category[english] + members @ (
                    _normalised_parts(example_vectors, english)
                )
                norms = np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)
                self._prototypes[english] = summed / norms

    @property
    def learnt(self) -> bool:
        """True when examples shaped the model (otherwise it is zero-shot)."""
        return bool(self.examples)

    def probabilities(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        """Shape ``(len(texts), len(classes))``: each row sums to 1."""
        vectors = self._encoder.encode(texts)
        rows = np.empty((len(texts), len(self.classes)), dtype=np.float64)
        english_rows = np.array([lang.startswith("en") for lang in languages], dtype=bool)
        for english in (True, False):
            selected = np.where(english_rows == english)[0]
            if not len(selected):
                continue
            features = _normalised_parts(vectors[selected], english)
            temperature = ZERO_SHOT_TEMPERATURE if english else ZERO_SHOT_TEMPERATURE_USE
            rows[selected] = softmax(features @ self._prototypes[english].T, temperature)
        return rows

    def predict_proba(
        self, texts: Sequence[str], languages: Sequence[str]
    ) -> list[dict[str, float]]:
        """For each text, the probability of every category of the taxonomy."""
        return [
            {name: float(p) for name, p in zip(self.classes, row, strict=True)}
            for row in self.probabilities(texts, languages)
        ]

    def predict(self, texts: Sequence[str], languages: Sequence[str]) -> list[str]:
        """The most probable category of each text."""
        return [self.classes[int(np.argmax(row))] for row in self.probabilities(texts, languages)]


def expected_calibration_error(
    probabilities: np.ndarray, truth: Sequence[int], bins: int = 10
) -> float:
    """ECE: the confidence-weighted gap between the top probability and accuracy, ``bins``
    equal-width bins."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(truth)
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(error)


def fit_temperature(scores: np.ndarray, truth: Sequence[int]) -> float:
    """The temperature minimising the negative log-likelihood of ``truth`` under
    ``softmax(scores / T)`` (a grid over 0.005-1, then a finer one around the best)."""
    labels = np.asarray(truth)

    def nll(temperature: float) -> float:
        p = softmax(scores, temperature)[np.arange(len(labels)), labels]
        return float(-np.log(np.maximum(p, 1e-300)).mean())

    grid = np.geomspace(0.005, 1.0, 60)
    best = float(grid[int(np.argmin([nll(t) for t in grid]))])
    fine = np.linspace(best * 0.85, best * 1.15, 31)
    return float(fine[int(np.argmin([nll(t) for t in fine]))])


__all__ = [
    "TaxonomyClassifier",
    "category_text",
    "expected_calibration_error",
    "fit_temperature",
    "select_examples",
    "softmax",
]
