"""What both backends store beside an approval so the queue can be searched and filtered.

An approval's classification and draft are encrypted at rest, and the email's subject, sender
and text live in another table, so the fields the queue filters on are copied, clear, beside the
approval when it is created: the category, the guard rails' flag kinds and the numbers they are
re-checked with, and when the email arrived. The search text is the email's subject, sender name
and address and the start of its text, case-folded. Without an encryption key it is kept as text
and a search term matches any part of it; with a key it is kept only as short keyed hashes of its
words (like the blind index of ``_codec``), so a term matches whole words and the store never
holds the customer's words in clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.encryption import FieldCipher
from engine.models import Approval, Email, guard_reason_kind
from engine.store import _codec as codec

#: How much of an email's text is searchable: the start of it, where the request is.
SEARCH_TEXT_CHARS = 2000
#: At most this many distinct words of an email are kept as hashes (with a key).
MAX_TERMS = 400
#: Sorted after every real due time, so drafts without an SLA come last in due order.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)
#: The flag kind of a classification flagged without a reason.
FLAGGED = "flagged"
_CONTEXT = "Approval.search"
_WORD = re.compile(r"\w+")
_TERM_HEX = 16


@dataclass(frozen=True)
class QueueFields:
    """The copied, clear fields of one approval; ``search`` is text or hashed terms."""

    category: str
    received_at: datetime
    flags: tuple[str, ...]
    confidence: float
    frustration: float
    negative: bool
    search: str
    terms: tuple[str, ...]


def due_sort(approval: Approval) -> datetime:
    """The approval's due time as sorted and filtered: ``NO_DUE`` when it has none."""
    return NO_DUE if approval.due_at is None else codec.store_time(approval.due_at)


def flag_kinds(approval: Approval) -> tuple[str, ...]:
    """The kinds of the reasons the guard rails stored on the approval's classification."""
    c = approval.classification
    kinds = [guard_reason_kind(reason) for reason in c.review_reasons]
    if c.needs_review and not kinds:
        kinds.append(FLAGGED)
    return tuple(dict.fromkeys(kinds))


def _term(cipher: FieldCipher, word: str) -> list[str]:
    # Short: the full token is 70 characters and an email has hundreds of words; 64 bits per
    # word keep a false match out of reach for a queue's size.
    return [
        token.rsplit(":", 2)[-2] + ":" + token.rsplit(":", 1)[-1][:_TERM_HEX]
        for token in cipher.tokens(word, _CONTEXT)
    ]


def queue_fields(
    approval: Approval, email: Email | None, cipher: FieldCipher | None
) -> QueueFields:
    """The fields stored beside ``approval`` (``email`` None: missing or erased)."""
    parts = [approval.draft.subject]
    if email is not None:
        parts = [
            email.subject,
            email.from_name,
            email.from_address,
            email.body_text[:SEARCH_TEXT_CHARS],
        ]
    text = "\n".join(part for part in parts if part).casefold()
    terms: tuple[str, ...] = ()
    if cipher is not None:
        words = list(dict.fromkeys(_WORD.findall(text)))[:MAX_TERMS]
        terms = tuple(term for word in words for term in _term(cipher, word)[:1])
        text = ""
    c = approval.classification
    received = email.received_at if email is not None else approval.created_at
    return QueueFields(
        category=c.category,
        received_at=codec.store_time(received),
        flags=flag_kinds(approval),
        confidence=c.category_confidence,
        frustration=c.frustration,
        negative=c.sentiment == "negative",
        search=text,
        terms=terms,
    )


def search_terms(query: str, cipher: FieldCipher | None) -> list[list[str]]:
    """What a search must match: one list of alternatives per term, every term required.

    Without a key a term is a case-folded piece of text; with one, the hashes of a word under
    every configured key (rows stored before a key rotation still match).
    """
    text = query.casefold()
    if cipher is None:
        return [[piece] for piece in text.split()]
    return [_term(cipher, word) for word in dict.fromkeys(_WORD.findall(text))]
