"""An ``OutgoingEmail`` as an RFC 5322 message, with the headers that keep it on the thread."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from providers.email.base import OutgoingEmail
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


def reply_subject(subject: str) -> str:
    """``subject`` with one "Re: " in front."""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def build_mime(email: OutgoingEmail, date: datetime) -> EmailMessage:
    """The message: Message-ID, In-Reply-To and References set, subject kept as "Re: ..."."""
    if not email.message_id.strip():
        raise PermanentProviderError("message_id must not be empty")
    message = EmailMessage(policy=policy.SMTP)
    try:
        message["From"] = checked_address("from_address", email.from_address)
        message["To"] = checked_address("to_address", email.to_address)
        message["Subject"] = reply_subject(email.subject) if email.in_reply_to else email.subject
        message["Date"] = format_datetime(date)
        message["Message-ID"] = bracketed(email.message_id)
        if email.in_reply_to:
            message["In-Reply-To"] = bracketed(email.in_reply_to)
        references = [bracketed(r) for r in email.references if r.strip()]
        if email.in_reply_to and bracketed(email.in_reply_to) not in references:
            references.append(bracketed(email.in_reply_to))
        if references:
            message["References"] = " ".join(references)
        # Our own replies are automatic in the RFC 3834 sense only when nobody approved them;
        # they are approved by a person, so no Auto-Submitted header.
        message.set_content(email.body_text)
    except (ValueError, TypeError) as exc:
        raise PermanentProviderError(f"cannot build the message: {exc}") from exc
    return message


__all__ = ["bracketed", "build_mime", "checked_address", "reply_subject"]
