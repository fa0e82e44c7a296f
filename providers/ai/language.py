"""Language of an email, detected with py3langid (a maintained fork of langid.py).

langid.py (Lui & Baldwin, 2012) is a naive-Bayes model over byte n-grams trained on 97 languages;
its model ships inside the wheel (no download) and scores a text in well under a millisecond, so
the whole classify path stays within its latency budget. It is deterministic. With normalised
probabilities the top language's probability is the confidence; text without letters falls back
to English with a low confidence.

Short texts are unreliable ("It still doesn't work." can come out as something exotic), so below
:data:`SHORT_TEXT_LETTERS` letters the confidence is scaled down in proportion, and a short text
detected as a language outside ``usual_languages`` is taken as English.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from py3langid.langid import MODEL_FILE, LanguageIdentifier

FALLBACK_LANGUAGE = "en"
FALLBACK_CONFIDENCE = 0.2
SHORT_TEXT_LETTERS = 60
#: The languages a support mailbox usually receives; other guesses need a longer text.
USUAL_LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es")

_lock = threading.Lock()
_identifier: LanguageIdentifier | None = None


@dataclass(frozen=True)
class LanguageResult:
    """An ISO 639-1 code (e.g. "en", "zh") and its probability."""

    code: str
    confidence: float


def _get_identifier() -> LanguageIdentifier:
    global _identifier
    with _lock:
        if _identifier is None:
            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def detect_language(text: str, usual_languages: Sequence[str] = USUAL_LANGUAGES) -> LanguageResult:
    """The most probable language of ``text``, or English with a low confidence."""
    letters = sum(character.isalpha() for character in text)
    if letters == 0:
        return LanguageResult(FALLBACK_LANGUAGE, FALLBACK_CONFIDENCE)
    code, probability = _get_identifier().classify(text)
    probability = min(1.0, max(0.0, float(probability)))
    if letters < SHORT_TEXT_LETTERS:
        probability *= letters / SHORT_TEXT_LETTERS
        if code not in usual_languages:
            return LanguageResult(FALLBACK_LANGUAGE, FALLBACK_CONFIDENCE)
    return LanguageResult(str(code), round(probability, 3))
