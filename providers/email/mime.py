"""An ``OutgoingEmail`` as an RFC 5322 message, with the headers that keep it on the thread."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from providers.email.base import OutgoingEmail
from providers.email.subjects import reply_subject
from providers.errors import PermanentProviderError


def checked_address(field: str, value: str) -> str:
    """``value`` if it holds an address with a local part and a domain."""
    _, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not (at and local and domain):
        raise PermanentProviderError(f"{field} is not a valid email address: {value!r}")
    return value


def bracketed(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def sent_subject(email: OutgoingEmail) -> str:
    """The subject ``email`` goes out with: a reply's subject carries one reply prefix."""
    return reply_subject(email.subject) if email.in_reply_to else email.subject


def thread_headers(email: OutgoingEmail) -> dict[str, str]:
    """``In-Reply-To`` and ``References`` that keep ``email`` on its thread (none for a first
    message); the parent is added to the references when they lack it."""
    headers: dict[str, str] = {}
    references = [bracketed(r) for r in email.references if r.strip()]
    if email.in_reply_to:
        headers["In-Reply-To"] = bracketed(email.in_reply_to)
        if headers["In-Reply-To"] not in references:
            references.append(headers["In-Reply-To"])
    if references:
        headers["References"] = " ".join(references)
    return headers


def build_mime(email: OutgoingEmail, date: datetime) -> EmailMessage:
    """The message: Message-ID, In-Reply-To and References set, subject kept as "Re: ..."."""
    if not email.message_id.strip():
        raise PermanentProviderError("message_id must not be empty")
    message = EmailMessage(policy=policy.SMTP)
    try:
        message["From"] = checked_address("from_address", email.from_address)
        message["To"] = checked_address("to_address", email.to_address)
        message["Subject"] = sent_subject(email)
        message["Date"] = format_datetime(date)
        message["Message-ID"] = bracketed(email.message_id)
        for name, value in thread_headers(email).items():
            message[name] = value
        # Our own replies are automatic in the RFC 3834 sense only when nobody approved them;
        # they are approved by a person, so no Auto-Submitted header.
        message.set_content(email.body_text)
    except (ValueError, TypeError) as exc:
        raise PermanentProviderError(f"cannot build the message: {exc}") from exc
    return message


__all__ = ["bracketed", "build_mime", "checked_address", "sent_subject", "thread_headers"]
