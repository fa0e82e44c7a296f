"""Sentiment of an email: a lexicon baseline, not a trained model.

VADER (Hutto & Gilbert, 2014) scores English text with a hand-made lexicon and rules. Support
mail is full of politeness VADER reads as joy ("please help", "thanks in advance", "Kind
regards"), so those formulas are removed before scoring; the ``compound`` score in [-1, 1] is
then shifted down by support-specific frustration cues VADER does not weigh (ALL-CAPS
shouting, "!!", "still waiting", "third time", "unacceptable", "cancel my account", ...).

The result is a documented baseline: it is English-centric (other languages get a lower
confidence, and only the few non-English cue words count) and a later issue replaces it with a
trained model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from providers.ai.base import Sentiment

#: compound score (after cue adjustment) at or beyond which the label is positive/negative.
POSITIVE_THRESHOLD = 0.35
NEGATIVE_THRESHOLD = -0.05
#: How far each frustration cue pushes the score down.
CUE_WEIGHT = 0.35

_PHRASE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("still waiting", r"\bstill (waiting|no (answer|reply|response|update))\b"),
        ("repeated contact", r"\b(second|third|fourth|fifth|\d+(st|nd|rd|th)) time\b"),
        ("unacceptable", r"\b(unacceptable|inacceptable|inadmissible|inaceptable|unverschämt)\b"),
        ("cancel my account", r"\bcancel (my|our) (account|subscription|membership)\b"),
        ("fed up", r"\b(fed up|sick of|had enough)\b"),
        ("worst", r"\b(worst|appalling|disgraceful|ridiculous|useless|a joke)\b"),
        ("nobody answers", r"\b(nobody|no one|no-one) (has )?(answer|repl|respond|help|call)"),
        ("never again", r"\bnever (again|ordering|buying)\b"),
        ("waste of time", r"\bwaste of (time|money)\b"),
        ("complaint", r"\b(complain(t|ing)?|escalat(e|ing|ion)|let (me |us )?down|let-down)\b"),
    )
)
# Politeness formulas, not sentiment: sign-off lines and request words.
_SIGN_OFF_LINE = re.compile(
    r"^\s*(many thanks|thanks|thank you|thx|cheers|best|regards|kind regards|best regards|"
    r"warm regards|all the best|best wishes|with thanks|sincerely|yours sincerely|"
    r"yours faithfully)\b[^\n]{0,25}$",
    re.IGNORECASE | re.MULTILINE,
)
_POLITENESS = re.compile(
    r"\b(thanks in advance|thank you in advance|(i )?hope (you are|you're|this finds you) well|"
    r"please|pls|help)\b",
    re.IGNORECASE,
)
_REPEATED_EXCLAMATION = re.compile(r"!{2,}|\?!|!\?")
_WORD = re.compile(r"[^\W\d_]{3,}")
# Upper-case tokens that are names, not shouting.
_ACRONYMS = frozenset(
    {
        "API",
        "CSV",
        "PDF",
        "USD",
        "EUR",
        "GBP",
        "CHF",
        "VAT",
        "GDPR",
        "SSO",
        "SAML",
        "SMS",
        "URL",
        "HTTP",
        "HTTPS",
        "SSL",
        "ORD",
        "INV",
        "DPD",
        "UPS",
        "DHL",
        "FAQ",
        "CEO",
        "ASAP",
        "SOC",
        "ISO",
        "QR",
        "PIN",
        "NIF",
        "UTC",
        "REST",
        "CSRF",
        "NGO",
        "EMEA",
        "LLC",
        "GMBH",
        "LTD",
        "USB",
        "PST",
        "CET",
        "BST",
    }
)


@dataclass(frozen=True)
class SentimentResult:
    """A sentiment label, its confidence and the evidence behind it."""

    label: Sentiment
    confidence: float
    compound: float
    adjusted: float
    cues: tuple[str, ...]


def without_politeness(text: str) -> str:
    """``text`` without sign-off lines and request words ("please", "help")."""
    return _POLITENESS.sub(" ", _SIGN_OFF_LINE.sub(" ", text))


def frustration_cues(text: str) -> tuple[str, ...]:
    """Names of the frustration cues present in ``text``."""
    cues = [name for name, pattern in _PHRASE_CUES if pattern.search(text)]
    if _REPEATED_EXCLAMATION.search(text):
        cues.append("repeated exclamation")
    shouted = [
        word for word in _WORD.findall(text) if word.isupper() and word.upper() not in _ACRONYMS
    ]
    if len(shouted) >= 2 or any(len(word) >= 6 for word in shouted):
        cues.append("shouting")
    return tuple(cues)


class SentimentAnalyzer:
    """VADER compound score plus frustration cues, mapped to positive/neutral/negative."""

    def __init__(self) -> None:
        self._vader = SentimentIntensityAnalyzer()

    def analyze(self, text: str, language: str = "en") -> SentimentResult:
        """Score ``text``; ``language`` other than English lowers the confidence."""
        scored = without_politeness(text)
        compound = float(self._vader.polarity_scores(scored)["compound"]) if scored.strip() else 0.0
        cues = frustration_cues(text)
        adjusted = max(-1.0, compound - CUE_WEIGHT * len(cues))
        label: Sentiment
        if adjusted <= NEGATIVE_THRESHOLD:
            label = "negative"
            confidence = 0.55 + 0.4 * min(1.0, abs(adjusted))
        elif adjusted >= POSITIVE_THRESHOLD:
            label = "positive"
            confidence = 0.5 + 0.4 * min(1.0, adjusted)
        else:
            label = "neutral"
            # Most confident in the middle of the neutral band, less so near its edges.
            middle = (POSITIVE_THRESHOLD + NEGATIVE_THRESHOLD) / 2
            half_width = (POSITIVE_THRESHOLD - NEGATIVE_THRESHOLD) / 2
            confidence = 0.7 - 0.2 * abs(adjusted - middle) / half_width
        if not language.startswith("en"):
            confidence *= 0.6  # the lexicon is English; cues still count
        return SentimentResult(label, round(confidence, 3), compound, adjusted, cues)
