"""What identifies a conversation when the headers do not: the sender and the bare subject."""

from __future__ import annotations

from providers.email.subjects import normalise_subject


def thread_key(from_address: str, subject: str) -> str:
    """The key under which a sender's conversation about one subject is found again."""
    return f"{from_address.strip().lower()}|{normalise_subject(subject)}"


__all__ = ["thread_key"]
