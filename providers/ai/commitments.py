"""Find the commitments a draft makes that neither the email nor the cited articles support.

A commitment is something a customer could hold us to beyond a number or a date: a refund
approved, a free replacement, compensation, a credit, a deadline, an escalation. Finding one
reads each clause of the draft, not just its words:

* the clause names what is committed (a refund, a replacement, "free of charge", "within 24
  hours", "passed to a manager", ...: :data:`KIND_PATTERNS`, in English, French, German and
  Spanish);
* and it commits: someone on our side will do it or has done it ("we will", "I have arranged"),
  the customer will get it ("you will receive"), or it is stated as done ("your refund has been
  approved", "is on its way") — :data:`_COMMITS`;
* and it is not a refusal ("we cannot refund", "no refund is possible": a negation in the
  clause), a question ("Would you like a refund?"), or hedged ("we will check whether you are
  eligible for a refund", "you may be able to").

A commitment is supported when one clause of a source (the email, a cited article) names the
same kind of thing, is neither negated nor a request ("Please refund me" in the email is what
the customer asks, not what we promised), and shares most of the commitment's content words
(compared by stem): "your refund has been approved" is not supported by "refunds are issued
within 5 days", but "we send a free replacement" is supported by "damaged items are replaced free
of charge". A deadline's own figures and day names must all occur in the supporting clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: What a clause commits to, by kind. A clause may name several kinds.
KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    kind: re.compile(pattern, re.IGNORECASE)
    for kind, pattern in {
        "refund": r"\b(refund\w*|reimburs\w*|money back|rembours\w*|(rück)?erstatt\w*|"
        r"reembols\w*)",
        "replacement": r"\b(replace\w*|a new one|send (you )?another|exchange (it|the|your)|"
        r"remplac\w*|ersatz\w*|umtausch\w*|reemplaz\w*|sustitu\w*)",
        "compensation": r"\b(compensat\w*|goodwill|voucher|gift card|discount|"
        r"(?<!feel )(?<!-)free\b|at no (extra |additional )?(cost|charge)|(it'?s|is|are) on us|"
        r"waive\w*|dédommag\w*|indemni\w*|gratuit\w*|sans frais|kostenlos|kostenfrei|"
        r"entschädig\w*|gutschein\w*|gratis|"
        r"compens\w*|sin coste|sin costo)",
        "credit": r"\b(credit(?!\s+card)\w*|un avoir|gutschrift\w*|gutgeschrieben|crédito|abono)\b",
        "deadline": r"\b(within \d+|in \d+ (hours?|days?|weeks?)|by (tomorrow|tonight|today|"
        r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end of|end of|next)|"
        r"no later than|tomorrow|today|tonight|next (week|monday|tuesday|wednesday|thursday|"
        r"friday)|sous \d+|d'ici|demain|innerhalb (von )?\d+|bis (morgen|montag|dienstag|"
        r"mittwoch|donnerstag|freitag|ende)|morgen|en \d+ días|mañana|antes del?)\b",
        "escalation": r"\b(escalat\w*|pass(ed|ing)? (this|it|your \w+) (on )?to|forward(ed|ing)? "
        r"(this|it|your \w+) to|(manager|supervisor|senior \w+|specialist team)|"
        r"transmis\w*|responsable|weitergeleitet|weiterleiten|vorgesetzt\w*|escal\w*|"
        r"remitid\w*|supervisor)",
    }.items()
}

# Someone on our side does it, the customer gets it, or it is stated as done.
_COMMITS = re.compile(
    r"\b(we|i|our (\w+ )?team|the team|a (manager|supervisor|colleague|specialist))\b"
    r"[^.;:]{0,40}?\b(will|'ll|shall|are going to|am going to|have|'ve|had|are|am|can offer|"
    r"(would|'d) (be happy|like) to|are (happy|glad) to|guarantee|promise|confirm|commit|"
    r"approved?|issued?|processed?|arranged?|refunded?|credited?|sent|send|replaced?|"
    r"escalated?|offer|waived?|compensated?)\b"
    r"|\byou('ll| will| shall| are going to)? (receive|get|be (refunded|credited|reimbursed|"
    r"compensated|sent|contacted|called))\b"
    r"|\b(has|have) been (approved|issued|processed|refunded|credited|sent|arranged|"
    r"escalated|authori[sz]ed|confirmed|waived|replaced|passed|forwarded)\b"
    r"|\b(is|are) (approved|confirmed|authori[sz]ed|on (its|their) way|being (processed|sent))\b"
    r"|\b(will|shall) be (refunded|credited|issued|sent|replaced|processed|escalated|"
    r"reimbursed|waived|compensated|passed|forwarded|contacted|delivered)\b"
    # French, German, Spanish: we (will) / you will receive / has been.
    r"|\b(nous|je) (allons|vais|avons|ai|pouvons|peux|vous|\w+(erons|rons|ai))\b"
    r"|\bvous (recevrez|serez|allez recevoir)\b|\b(a|ont) été\b"
    r"|\b(wir|ich) (werden|haben|habe|können|kann|\w+en)\b|\bSie (erhalten|bekommen)\b"
    r"|\b(wurde|wird|wurden) \w+"
    r"|\b(le|les|lo|la)? ?\w+(aremos|eremos|iremos|amos)\b|\b(hemos|he) \w+(ado|ido)\b"
    r"|\b(recibirá|ha sido|será)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(not|no|never|cannot|unable|unfortunately|neither|nor|without|n't|ne|pas|aucun\w*|"
    r"impossible|nicht|kein\w*|leider|nunca|ningún|ninguna|lamentablemente)\b|n't\b",
    re.IGNORECASE,
)
# "no" that is part of an offer, not a refusal: "at no cost", "no later than".
_NOT_A_NEGATION = re.compile(
    r"\b(at no (extra |additional )?(cost|charge)|no later than|no (extra|additional) "
    r"(cost|charge)|no (problem|worries)|without (further )?delay|not only)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(whether|eligib\w*|may|might|possibly|perhaps|depending|subject to|if possible|"
    r"would you like|do you want|let us know if|éventuellement|peut-être|ob|eventuell|"
    r"möglicherweise|si procede|posiblemente)\b",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"\b(please|pls|can you|could you|would you|will you|i want|i'd like|i would like|"
    r"i need|i expect|i demand|i ask|i am asking|i'm asking|kindly|s'il vous plaît|"
    r"pouvez-vous|je veux|je voudrais|bitte|können sie|ich möchte|ich will|por favor|"
    r"pueden|podrían|quiero)\b"
    # "Confirm my refund" asks; "once we confirm a duplicate payment, we refund it" does not.
    r"|^\s*confirm\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE = re.compile(
    r"\s*(?:[;:]|,\s*(?:but|however|although|though|mais|aber|pero)\b|"
    r"\b(?:but|however|although|mais|aber|sondern|pero|sin embargo)\b)\s*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_DEADLINE_TOKEN = re.compile(
    r"\d+|\b(tomorrow|tonight|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"week|month|demain|morgen|mañana)\b",
    re.IGNORECASE,
)
_STOPWORD_LIST = """
    a an the to of for on in at by is are was were be been being has have had will shall
    would could should can may might we i you your our us me my it its this that these those and
    or with as from so just also already now very please then there here they them their
    ll ve s d re le la les de du des un une et en au aux nous vous votre vos je der die das den
    dem des ein eine einen und zu mit für wir ich sie ihr ihre ihnen ist sind wird werden wurde
    el los las del y con para su sus le les lo nos hemos he ha sido será"""
_STOPWORDS = frozenset(_STOPWORD_LIST.split())
#: Share of a commitment's content words a supporting source clause must contain.
MIN_SUPPORT = 0.6
_SUFFIXES = ("ements", "ement", "ments", "ment", "ations", "ation", "ing", "ed", "es", "s", "e")


@dataclass(frozen=True)
class Commitment:
    """One thing a text commits to: its kind and the clause that says it."""

    kind: str
    clause: str


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _content(clause: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(clause) if w.lower() not in _STOPWORDS}


def clauses(text: str) -> list[str]:
    """The clauses of ``text``: sentences, split again where a clause turns ("but", ";")."""
    found = []
    for sentence in _SENTENCE.split(text):
        sentence = sentence.strip()
        if sentence.endswith("?"):
            found.append(sentence)  # a question stays whole: no part of it commits
            continue
        found += [part.strip() for part in _CLAUSE.split(sentence) if part and part.strip()]
    return found


def _kinds(clause: str) -> list[str]:
    return [kind for kind, pattern in KIND_PATTERNS.items() if pattern.search(clause)]


def _negated(clause: str) -> bool:
    return bool(_NEGATION.search(_NOT_A_NEGATION.sub(" ", clause)))


_QUOTED = re.compile(r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u00ab[^\u00bb\n]*\u00bb')


def commitments(text: str) -> list[Commitment]:
    """Every commitment ``text`` makes, clause by clause (refusals, questions and hedged
    clauses make none, nor does quoted text such as a cited article's title)."""
    found = []
    for clause in clauses(text):
        own = _QUOTED.sub(" ", clause)
        if clause.endswith("?") or _negated(own) or _HEDGE.search(own):
            continue
        if not _COMMITS.search(own):
            continue
        found += [Commitment(kind, clause) for kind in _kinds(own)]
    return found


def _supports(source_clause: str, commitment: Commitment) -> bool:
    if commitment.kind not in _kinds(source_clause):
        return False
    if _negated(source_clause) or _REQUEST.search(source_clause) or source_clause.endswith("?"):
        return False
    if commitment.kind == "deadline":
        wanted = {m.group(0).lower() for m in _DEADLINE_TOKEN.finditer(commitment.clause)}
        present = {m.group(0).lower() for m in _DEADLINE_TOKEN.finditer(source_clause)}
        if not wanted <= present:
            return False
    needed = _content(commitment.clause)
    if not needed:
        return True
    return len(needed & _content(source_clause)) / len(needed) >= MIN_SUPPORT


def is_supported(commitment: Commitment, sources: Sequence[str]) -> bool:
    """Whether some clause of ``sources`` states the same commitment (see the module)."""
    return any(_supports(clause, commitment) for source in sources for clause in clauses(source))


def unsupported_commitments(text: str, sources: Sequence[str]) -> list[Commitment]:
    """The commitments of ``text`` that no clause of ``sources`` supports."""
    return [c for c in commitments(text) if not is_supported(c, sources)]
