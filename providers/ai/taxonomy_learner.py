"""Keeps one :class:`~providers.ai.zero_shot.TaxonomyClassifier` per taxonomy, up to date.

The local provider asks :meth:`TaxonomyLearner.classifier_for` on every email whose taxonomy is
not the built-in one. The answer is cached by what it depends on (the category sentences and the
examples of those categories), so an unchanged taxonomy costs a dictionary look-up, an edited
description or a new correction builds a new classifier (well under a second once the examples'
vectors are cached). Corrections are read again at most every ``check_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from providers.ai.base import Category
from providers.ai.sentence_encoder import SentenceEncoder
from providers.ai.training_data import LabelledExample
from providers.ai.zero_shot import (
    TaxonomyClassifier,
    category_text,
    select_examples,
    taxonomy_fingerprint,
)

#: Taxonomies kept built at once (one per workflow in use, typically).
MAX_TAXONOMIES = 16


class TaxonomyLearner:
    """Builds and caches the classifier of each taxonomy from the examples of its categories."""

    def __init__(
        self,
        shipped: Callable[[], Sequence[LabelledExample]],
        corrections: Callable[[], Sequence[LabelledExample]] | None = None,
        *,
        check_seconds: float = 60.0,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        """``shipped`` is read once, on first use; ``corrections`` at most every
        ``check_seconds``."""
        self._shipped_source = shipped
        self._shipped: list[LabelledExample] | None = None
        self._corrections_source = corrections
        self._corrections: list[LabelledExample] = []
        self._check_seconds = check_seconds
        self._next_check = 0.0
        self._encoder = encoder
        self._built: OrderedDict[str, TaxonomyClassifier] = OrderedDict()
        #: The last answer per taxonomy, valid while the examples are unchanged: an email whose
        #: taxonomy was seen costs no re-selection of examples.
        self._recent: dict[tuple[tuple[str, str], ...], TaxonomyClassifier] = {}
        self._lock = threading.Lock()

    def _examples(self) -> list[LabelledExample]:
        if self._shipped is None:
            self._shipped = list(self._shipped_source())
        now = time.monotonic()
        if self._corrections_source is not None and now >= self._next_check:
            corrections = list(self._corrections_source())
            self._next_check = now + self._check_seconds
            if corrections != self._corrections:
                self._corrections = corrections
                self._recent.clear()
        return self._shipped + self._corrections

    def classifier_for(self, taxonomy: Sequence[Category]) -> TaxonomyClassifier:
        """The classifier of ``taxonomy``, built now if its categories or examples changed."""
        with self._lock:
            all_examples = self._examples()
            sentences = tuple((c.name, category_text(c)) for c in taxonomy)
            recent = self._recent.get(sentences)
            if recent is not None:
                return recent
            examples = select_examples(taxonomy, all_examples)
            key = taxonomy_fingerprint(taxonomy, examples)
            classifier = self._built.get(key)
            if classifier is None:
                classifier = TaxonomyClassifier(taxonomy, examples, self._encoder)
                self._built[key] = classifier
                if len(self._built) > MAX_TAXONOMIES:
                    self._built.popitem(last=False)
            else:
                self._built.move_to_end(key)
            if len(self._recent) >= MAX_TAXONOMIES:
                self._recent.clear()
            self._recent[sentences] = classifier
            return classifier
