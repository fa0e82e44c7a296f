"""Priority of an email from rules — explicit, documented rules, not a model.

The rules, highest level first (the highest level any rule reaches wins):

* **urgent** — a service outage ("down", "outage", "not loading for anyone", 5xx errors), a
  security incident ("hacked", "unauthorised", "fraud", "someone changed my password"), or a
  legal threat ("lawyer", "legal action", "sue", "consumer protection", "small claims").
* **high** — explicit urgency ("urgent", "asap", "immediately", "right away", "emergency"), a
  deadline ("by tomorrow", "by Friday", "before the 20th", "today"), being locked out ("cannot log
  in", "locked out"), money taken wrongly ("charged twice", "double charged"), a complaint with
  negative sentiment, or negative sentiment with at least two frustration cues.
* **low** — a feature request, or a positive general inquiry, when no rule above applies.
* **normal** — everything else.

The confidence is a fixed value per kind of evidence: strong cues give 0.9, inferred levels
(from category and sentiment) 0.7, the default 0.6.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from providers.ai.base import PRIORITY_RANK, Priority
from providers.ai.sentiment import SentimentResult


def _patterns(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_OUTAGE = _patterns(
    r"\b(site|website|app|service|platform|dashboard|api|checkout|everything) (is |seems )?"
    r"(down|offline|unavailable)\b",
    r"\b(outage|service unavailable)\b",
    r"\b(is|are) (your )?(site|website|service|servers?) down\b",
    r"\b50[234]\b.{0,20}\berrors?\b|\berrors?\b.{0,20}\b50[234]\b",
)
_SECURITY = _patterns(
    r"\b(hacked|compromised|account takeover|data breach|phishing|fraud(ulent)?)\b",
    r"\bunauthori[sz]ed (access|login|charges?|orders?|payments?|transactions?)\b",
    r"\bsomeone (else )?(changed|accessed|logged into|is using) my\b",
    r"\borders? (that )?I (didn't|did not|never) (make|made|place|placed)\b",
)
_LEGAL = _patterns(
    r"\b(lawyer|attorney|solicitor|legal action|lawsuit|small claims|trading standards)\b",
    r"\b(sue|suing) (you|your company)\b",
    r"\bconsumer protection\b",
    r"\b(avocat|anwalt|abogado)\b",
)
_URGENT_WORDS = _patterns(
    r"\b(urgent(ly)?|asap|immediately|right away|emergency|as soon as possible)\b",
    r"\b(dringend|sofort|urgente|de inmediato)\b",
)
_DEADLINE = _patterns(
    r"\b(by|before|until) (tomorrow|tonight|today|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|the \d{1,2}(st|nd|rd|th)?|end of (the )?(day|week))\b",
    r"\b(deadline|need it (for|by)|time-sensitive)\b",
)
_LOCKED_OUT = _patterns(
    r"\b(can ?not|can't|cannot|unable to|can no longer) (log ?in|sign ?in|access my account)\b",
    r"\blocked out\b",
)
_MONEY_TAKEN = _patterns(
    r"\b(charged|billed|debited) (me )?(twice|two times|double)\b",
    r"\bdouble[- ]charged\b",
    r"\bduplicate (charge|payment)s?\b",
)


@dataclass(frozen=True)
class PriorityResult:
    """A priority level, its confidence and the rules that produced it."""

    level: Priority
    confidence: float
    reasons: tuple[str, ...]


def _any(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def assess_priority(text: str, category: str, sentiment: SentimentResult) -> PriorityResult:
    """Apply the module's rules to the cleaned email ``text``."""
    found: list[tuple[Priority, float, str]] = []
    for patterns, reason in ((_OUTAGE, "outage"), (_SECURITY, "security"), (_LEGAL, "legal")):
        if _any(patterns, text):
            found.append(("urgent", 0.9, reason))
    for patterns, reason in (
        (_URGENT_WORDS, "urgency words"),
        (_DEADLINE, "deadline"),
        (_LOCKED_OUT, "locked out"),
        (_MONEY_TAKEN, "charged twice"),
    ):
        if _any(patterns, text):
            found.append(("high", 0.9, reason))
    if category == "complaint" and sentiment.label == "negative":
        found.append(("high", 0.7, "negative complaint"))
    if sentiment.label == "negative" and len(sentiment.cues) >= 2:
        found.append(("high", 0.7, "strong frustration"))
    if found:
        best_rank = min(PRIORITY_RANK[level] for level, _, _ in found)
        top = [item for item in found if PRIORITY_RANK[item[0]] == best_rank]
        return PriorityResult(
            top[0][0], max(conf for _, conf, _ in top), tuple(reason for _, _, reason in top)
        )
    if category == "feature_request":
        return PriorityResult("low", 0.7, ("feature request",))
    if category == "general_inquiry" and sentiment.label == "positive":
        return PriorityResult("low", 0.6, ("positive general inquiry",))
    return PriorityResult("normal", 0.6, ())
