"""What identifies a conversation when the headers do not: the sender and the bare subject."""

from __future__ import annotations

import re

# "Re:", "RE[2]:", "Fwd:", "AW:", "WG:", "SV:", "Antw:", "TR:", "RV:", "Réf:" and ticket tags
# like "[#1234]", repeated in any order.
_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|antwort|tr|rv|ref|réf|enc|odp|r)\s*(\[\d+\]|\(\d+\))?\s*:"
    r"|\[[^\]]{0,40}\])\s*",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def normalise_subject(subject: str) -> str:
    """``subject`` without reply/forward prefixes and tags, case-folded, spaces collapsed."""
    text = subject
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return _SPACE.sub(" ", text).strip().casefold()


def thread_key(from_address: str, subject: str) -> str:
    """The key under which a sender's conversation about one subject is found again."""
    return f"{from_address.strip().lower()}|{normalise_subject(subject)}"


__all__ = ["normalise_subject", "thread_key"]
