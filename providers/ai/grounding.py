"""Check that a draft states no checkable fact its sources do not contain.

A "checkable fact" is anything a customer could hold us to that can be recognised without
understanding the sentence: every token with a digit in it (order numbers, amounts, dates,
time frames such as "14 days", phone numbers, percentages), and every month or weekday name
("by Friday", "in March"). Each must occur in at least one source (the email or a cited
article). Digits are compared as written, so "30" in the draft is supported by "30 days" in
an article but "31" is not. This is deliberately strict: a false alarm sends a draft to a
person, a miss sends a customer a promise nobody made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NUMBERISH = re.compile(r"[#$€£¥]?[\w.,:/-]*\d[\w.,:/%-]*")
_NAMED_DATES = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"januar|februar|märz|juni|juli|oktober|dezember|montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonntag|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre|lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"\d+")
# "May" is also a verb: only count it as a month next to a number.
_AMBIGUOUS = frozenset({"may", "march"})


def checkable_facts(text: str) -> list[str]:
    """The number-bearing tokens and named dates of ``text``, in order, without duplicates."""
    facts = [m.group(0).strip(".,:-/") for m in _NUMBERISH.finditer(text)]
    for match in _NAMED_DATES.finditer(text):
        word = match.group(0)
        if word.lower() in _AMBIGUOUS:
            window = text[max(0, match.start() - 12) : match.end() + 12]
            if not re.search(r"\d", window):
                continue
        facts.append(word)
    return list(dict.fromkeys(f for f in facts if f))


def _supported(fact: str, sources: Sequence[str]) -> bool:
    digits = _DIGIT_RUN.findall(fact)
    if not digits:
        return any(fact.lower() in source.lower() for source in sources)
    # Every digit run of the fact must appear, as a whole number, in one source.
    for source in sources:
        runs = set(_DIGIT_RUN.findall(source))
        if all(run in runs for run in digits):
            return True
    return False


def unsupported_facts(text: str, sources: Sequence[str]) -> list[str]:
    """The checkable facts of ``text`` that none of ``sources`` contains."""
    return [fact for fact in checkable_facts(text) if not _supported(fact, sources)]
