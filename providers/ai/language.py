"""Language of an email, detected with langdetect (a port of Google's language-detection).

langdetect is randomised; ``DetectorFactory.seed = 0`` makes it deterministic. It reseeds
Python's global ``random`` on every call and initialises its profiles lazily, so calls are
serialised with a lock. The probability of the top language is the confidence; text it cannot
read (empty, digits only) falls back to English with a low confidence.

langdetect is unreliable on short texts ("It still doesn't work." comes out as Afrikaans), so
below :data:`SHORT_TEXT_LETTERS` letters the confidence is scaled down in proportion, and a
short text detected as a language outside ``usual_languages`` is taken as English.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0

FALLBACK_LANGUAGE = "en"
FALLBACK_CONFIDENCE = 0.2
SHORT_TEXT_LETTERS = 60
#: The languages a support mailbox usually receives; other guesses need a longer text.
USUAL_LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es")
_lock = threading.Lock()


@dataclass(frozen=True)
class LanguageResult:
    """An ISO 639-1 code (langdetect's spelling, e.g. "en", "zh-cn") and its probability."""

    code: str
    confidence: float


def detect_language(text: str, usual_languages: Sequence[str] = USUAL_LANGUAGES) -> LanguageResult:
    """The most probable language of ``text``, or English with a low confidence."""
    try:
        with _lock:
            candidates = detect_langs(text)
    except LangDetectException:
        return LanguageResult(FALLBACK_LANGUAGE, FALLBACK_CONFIDENCE)
    if not candidates:
        return LanguageResult(FALLBACK_LANGUAGE, FALLBACK_CONFIDENCE)
    code, probability = str(candidates[0].lang), min(1.0, max(0.0, float(candidates[0].prob)))
    letters = sum(character.isalpha() for character in text)
    if letters < SHORT_TEXT_LETTERS:
        probability *= letters / SHORT_TEXT_LETTERS
        if code not in usual_languages:
            return LanguageResult(FALLBACK_LANGUAGE, FALLBACK_CONFIDENCE)
    return LanguageResult(code, round(probability, 3))
