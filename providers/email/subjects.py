"""Subject lines on a thread: the prefix a reply gets, and the bare subject under the prefixes.

Reply prefixes are the words mail clients put before a reply's subject, in the languages our
customers write: "Re:", "RE[2]:", "AW:" and "Antwort:" (German), "SV:" (Nordic), "VS:" (Finnish),
"Antw:" (Dutch), "Odp:" (Polish), "RV:", "Réf:". Forward prefixes ("Fwd:", "WG:", "TR:", ...) are
not reply prefixes: a reply to "Fwd: x" is "Re: Fwd: x", as mail clients write it.
"""

from __future__ import annotations

import re

_REPLY_PREFIXES = ("re", "aw", "antwort", "antw", "sv", "vs", "odp", "rv", "réf")
# Prefixes that mark no reply but still hide the subject of the conversation.
_OTHER_PREFIXES = ("fwd", "fw", "wg", "tr", "enc", "ref", "r")


def _prefix(words: tuple[str, ...]) -> str:
    # A word, an optional counter ("Re[2]:", "Re(2):") and the colon.
    return rf"({'|'.join(words)})\s*(\[\d+\]|\(\d+\))?\s*:"


_REPLY = re.compile(rf"^\s*{_prefix(_REPLY_PREFIXES)}", re.IGNORECASE)
# Any prefix, or a ticket tag like "[#1234]", repeated in any order.
_ANY_PREFIX = re.compile(
    rf"^\s*({_prefix(_REPLY_PREFIXES + _OTHER_PREFIXES)}|\[[^\]]{{0,40}}\])\s*", re.IGNORECASE
)
_SPACE = re.compile(r"\s+")


def reply_subject(subject: str) -> str:
    """The subject of a reply to ``subject``: ``"Re: "`` in front, unless a reply prefix already
    is; ``"Re: your message"`` for an empty subject."""
    subject = subject.strip()
    if not subject:
        return "Re: your message"
    return subject if _REPLY.match(subject) else f"Re: {subject}"


def normalise_subject(subject: str) -> str:
    """``subject`` without reply/forward prefixes and tags, case-folded, spaces collapsed."""
    text = subject
    while True:
        stripped = _ANY_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return _SPACE.sub(" ", text).strip().casefold()


__all__ = ["normalise_subject", "reply_subject"]
