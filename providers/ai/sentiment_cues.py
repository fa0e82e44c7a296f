"""Support-specific cues the sentiment model uses: politeness formulas and frustration signs.

Support mail is full of politeness a lexicon reads as joy ("please help", "thanks in advance",
"Kind regards"): :func:`without_politeness` removes it. :func:`frustration_cues` names the signs of
an exasperated customer that lexicons do not weigh: ALL-CAPS shouting, "!!", "still waiting",
"third time", "unacceptable", "cancel my account", and a few French/German/Spanish words.
"""

from __future__ import annotations

import re

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
