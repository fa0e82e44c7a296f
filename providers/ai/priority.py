"""Priority of an email from rules — explicit, documented rules, not a model.

Each rule that fires adds a short reason people can read ("deadline: by Friday", "money: €1,240
at stake", "tier: enterprise"); the level is the highest any rule reaches:

* **urgent** — an outage (a service down, a team that cannot work, five or more named people
  affected), a security incident, a legal threat, or at least 10,000 in any currency at stake.
* **high** — explicit urgency words (not negated: "not urgent" is not urgent), a deadline ("by
  Friday", "avant 17h", "bis morgen", or a date at most three days ahead of the email — never a
  past one), being locked out, money taken twice, at least 200 in any currency at stake, a
  complaint with negative sentiment, or negative sentiment with two frustration cues.
* **low** — the customer says there is no rush, or a feature request, or a positive general
  inquiry, when no rule above applies.
* **normal** — everything else. A smaller amount is still reported as a reason.

The customer's tier is an input: the ``tier`` argument (the engine passes the
``X-Customer-Tier`` header) or a plan named in the email ("our Enterprise plan"). A tier in
:data:`PRIORITY_TIERS` raises a low or normal email one level.

The confidence is a fixed value per kind of evidence: strong cues give 0.9, inferred levels
(from category and sentiment) 0.7, the default 0.6.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from providers.ai.base import PRIORITY_RANK, Priority
from providers.ai.priority_cues import (
    PRIORITY_TIERS,
    find_amounts,
    find_deadline,
    find_outage,
    find_tier,
)
from providers.ai.sentiment import SentimentResult

#: Money at stake from which an email is high, and urgent (any currency, read at face value).
HIGH_AMOUNT = 200.0
URGENT_AMOUNT = 10_000.0
#: The header that carries the customer's tier, when the mailbox or CRM sets one.
TIER_HEADER = "x-customer-tier"


def _patterns(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_SECURITY = _patterns(
    r"\b(hacked|compromised|account takeover|data breach|phishing|fraud(ulent)?)\b",
    r"\bunauthori[sz]ed (access|login|charges?|orders?|payments?|transactions?)\b",
    r"\bsomeone (else )?(changed|accessed|logged into|is using) my\b",
    r"\borders? (that )?I (didn't|did not|never) (make|made|place|placed)\b",
    r"\b(piraté|gehackt|hackeado|fraude|betrug)\b",
)
_LEGAL = _patterns(
    r"\b(lawyer|attorney|solicitor|legal action|lawsuit|small claims|trading standards)\b",
    r"\b(sue|suing) (you|your company)\b",
    r"\bconsumer protection\b",
    r"\b(avocat|anwalt|abogado)\b",
)
_URGENT_WORDS = _patterns(
    r"\b(urgent(ly)?|asap|immediately|right away|emergency|as soon as possible|time-critical)\b",
    r"\b(dringend|sofort|urgente|de inmediato|immédiatement|au plus vite|lo antes posible)\b",
)
_NO_RUSH = _patterns(
    r"\b(not urgent|no rush|no hurry|whenever you (get a chance|can)|in your own time)\b",
    r"\b(pas urgent|rien ne presse|pas pressé|quand vous (aurez|pourrez))\b",
    r"\b(nicht dringend|keine eile|eilt nicht|wann immer)\b",
    r"\b(no es urgente|sin prisa|no corre prisa|cuando pueda)\b",
)
_LOCKED_OUT = _patterns(
    r"\b(can ?not|can't|cannot|unable to|can no longer) (log ?in|sign ?in|access my account)\b",
    r"\blocked out\b",
    r"\b(impossible de me connecter|kann mich nicht (mehr )?anmelden|no puedo (iniciar sesión|"
    r"acceder))\b",
)
_MONEY_TAKEN = _patterns(
    r"\b(charged|billed|debited) (me )?(twice|two times|double)\b",
    r"\bdouble[- ]charged\b",
    r"\bduplicate (charge|payment)s?\b",
    r"\b(débité deux fois|doppelt (abgebucht|berechnet)|cobrado dos veces)\b",
)


@dataclass(frozen=True)
class PriorityResult:
    """A priority level, its confidence and the reasons (one per rule that fired)."""

    level: Priority
    confidence: float
    reasons: tuple[str, ...]


def _first(patterns: Sequence[re.Pattern[str]], text: str) -> str | None:
    for pattern in patterns:
        if m := pattern.search(text):
            return m[0]
    return None


def customer_tier(headers: Mapping[str, str]) -> str | None:
    """The tier the mailbox or CRM put in the ``X-Customer-Tier`` header, if any."""
    for name, value in headers.items():
        if name.lower() == TIER_HEADER and value.strip():
            return value.strip().lower()
    return None


def _cues(text: str, today: date | None) -> list[tuple[Priority, float, str]]:
    found: list[tuple[Priority, float, str]] = []
    if outage := find_outage(text):
        found.append(("urgent", 0.9, f"outage: '{outage}'"))
    for patterns, kind in ((_SECURITY, "security"), (_LEGAL, "legal")):
        if phrase := _first(patterns, text):
            found.append(("urgent", 0.9, f"{kind}: '{phrase}'"))
    no_rush = _first(_NO_RUSH, text)
    if not no_rush and (phrase := _first(_URGENT_WORDS, text)):
        found.append(("high", 0.9, f"urgency: '{phrase}'"))
    if deadline := find_deadline(text, today):
        found.append(("high", 0.9, f"deadline: {deadline}"))
    if phrase := _first(_LOCKED_OUT, text):
        found.append(("high", 0.9, f"locked out: '{phrase}'"))
    if phrase := _first(_MONEY_TAKEN, text):
        found.append(("high", 0.9, f"charged twice: '{phrase}'"))
    amounts = find_amounts(text)
    if amounts:
        phrase, value = amounts[0]
        level: Priority = (
            "urgent" if value >= URGENT_AMOUNT else "high" if value >= HIGH_AMOUNT else "normal"
        )
        found.append((level, 0.8, f"money: {phrase} at stake"))
    if no_rush:
        found.append(("low", 0.8, f"no rush: '{no_rush}'"))
    return found


def cue_reasons(text: str, today: date | None = None) -> list[str]:
    """The reasons the text's own cues give (deadline, outage, money, urgency, …), whatever
    level another reader chose; used beside a remote model's answer."""
    reasons = [reason for _, _, reason in _cues(text, today)]
    if tier := find_tier(text):
        reasons.append(f"tier: {tier.lower()}")
    return reasons


def assess_priority(
    text: str,
    category: str,
    sentiment: SentimentResult,
    *,
    today: date | None = None,
    tier: str | None = None,
) -> PriorityResult:
    """Apply the module's rules to the cleaned email ``text``.

    ``today`` is the day the email arrived (dates are deadlines only relative to it; without it
    only relative deadlines such as "by Friday" count); ``tier`` is the customer's tier when the
    caller knows it, else a plan named in the text is used.
    """
    found = _cues(text, today)
    if category == "complaint" and sentiment.label == "negative":
        found.append(("high", 0.7, "negative complaint"))
    if sentiment.label == "negative" and len(sentiment.cues) >= 2:
        found.append(("high", 0.7, "strong frustration"))
    if category == "feature_request":
        found.append(("low", 0.7, "feature request"))
    if category == "general_inquiry" and sentiment.label == "positive":
        found.append(("low", 0.6, "positive general inquiry"))
    decisive = [item for item in found if item[0] != "normal"]
    if decisive:
        best_rank = min(PRIORITY_RANK[level] for level, _, _ in decisive)
        level = next(lvl for lvl, _, _ in decisive if PRIORITY_RANK[lvl] == best_rank)
        confidence = max(conf for lvl, conf, _ in decisive if lvl == level)
    else:
        level, confidence = "normal", 0.6
    tier = (tier or find_tier(text) or "").lower() or None
    reasons = [reason for _, _, reason in found]
    if tier:
        reasons.append(f"tier: {tier}")
        if tier in PRIORITY_TIERS and level in ("normal", "low"):
            level = "normal" if level == "low" else "high"
    return PriorityResult(level, confidence, tuple(reasons))
