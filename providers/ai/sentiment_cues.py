"""Support-specific cues the sentiment model uses: politeness formulas and frustration signs.

Support mail is full of politeness a lexicon reads as joy ("please help", "thanks in advance",
"Kind regards"): :func:`without_politeness` removes it. :func:`frustration_cues` names the signs of
an exasperated customer that lexicons do not weigh: shouted sentences (not acronyms or product
codes), "!!", "still waiting", "third time", "unacceptable", "cancel my account", and a few
French/German/Spanish words.
"""

from __future__ import annotations

import re

_PHRASE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("still waiting", r"\bstill (waiting|no (answer|reply|response|update))\b"),
        ("repeated contact", r"\b(second|third|fourth|fifth|\d+(st|nd|rd|th)) time\b"),
        ("unacceptable", r"\b(unacceptable|inacceptable|inadmissible|inaceptable|unverschämt)\b"),
        # A threat to leave, not a request to cancel ("Please cancel my subscription at the end
        # of the billing period" is calm).
        (
            "cancel my account",
            r"\b(i|we)('ll| will|'m going to| am going to| are going to)? cancel (my|our) "
            r"(account|subscription|membership)\b",
        ),
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
# "URGENT!!" marks urgency (priority reads it), not anger: those marks are not counted.
_URGENCY_MARKS = re.compile(r"\b(urgent|urgente|dringend|asap|important|wichtig)\s*[!?]+", re.I)
_SENTENCE_END = re.compile(r"[.!?;:\n]+")
_TOKEN = re.compile(r"\S+")
_PLAIN_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_EDGE_PUNCTUATION = "\"'()[]{}<>,*_\u00ab\u00bb\u201c\u201d\u2018\u2019"
#: Share of a sentence's words in capitals from which the sentence is shouted.
SHOUTED_SHARE = 0.6
# Function words: a sentence in capitals that contains one is a sentence, not a list of names
# and product codes ("WHERE IS MY PARCEL" against "AWS EMR SAP").
_FUNCTION_WORD_LIST = """
    IS ARE AM WAS WERE BE BEEN DO DOES DID DONE HAVE HAS HAD CAN CAN'T CANNOT WILL WON'T DON'T
    DOESN'T DIDN'T ISN'T I'M I'VE MY ME WE OUR YOU YOUR THE THIS THAT THESE WHY WHERE WHAT WHEN
    WHO HOW NOT NO NEVER AND BUT FOR TO OF ON AT WITH FROM NOW STILL AGAIN PLEASE JUST ANY
    JE MON MA MES EST SONT PAS NE LE LA LES UN UNE VOUS VOTRE OÙ POURQUOI QUAND TOUJOURS ENCORE
    ICH MEIN MEINE IST SIND NICHT KEIN KEINE DAS DER DIE WO WARUM WANN IMMER NOCH SIE IHR
    MI MIS ES SON EL LA LOS QUE DÓNDE DONDE POR QUÉ CUÁNDO TODAVÍA NUNCA SU
    """
_FUNCTION_WORDS = frozenset(_FUNCTION_WORD_LIST.split())
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
    if _REPEATED_EXCLAMATION.search(_URGENCY_MARKS.sub(" ", text)):
        cues.append("repeated exclamation")
    if any(_shouted(sentence) for sentence in _SENTENCE_END.split(text)):
        cues.append("shouting")
    return tuple(cues)


def _words(sentence: str) -> list[str]:
    """The words of ``sentence``: tokens of letters (and inner ' or -), without product codes
    and order numbers (a digit or a symbol inside: "XPS-15", "DEMO*SHOP") or the pronoun "I",
    always in capitals."""
    words = []
    for token in _TOKEN.findall(sentence):
        word = token.strip(_EDGE_PUNCTUATION)
        if len(word) >= 2 and _PLAIN_WORD.fullmatch(word):
            words.append(word)
    return words


def _shouted(sentence: str) -> bool:
    """Whether ``sentence`` is shouted: written mostly in capitals as a sentence (with function
    words), or with a run of capitalised ordinary words ("I am STILL WAITING"). Acronyms and
    product codes are not shouting, however many there are ("AWS", "XPS-15", "ORD-48213")."""
    words = _words(sentence)
    capitals = [w.isupper() and w.upper() not in _ACRONYMS for w in words]
    shouted = [w for w, upper in zip(words, capitals, strict=True) if upper]
    if (
        len(shouted) >= 3
        and len(shouted) >= SHOUTED_SHARE * len(words)
        and any(w.upper() in _FUNCTION_WORDS for w in shouted)
    ):
        return True
    run: list[str] = []
    for word, upper in zip(words, capitals, strict=True):
        run = [*run, word] if upper else []
        if len(run) >= 2 and sum(len(w) >= 4 for w in run) >= 2:
            return True
    return False
