"""An email given by a caller (the HTTP API's "run now on this email"), and the RFC 5322
message it becomes, so it enters the store by the same path as mail from a mailbox."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from pydantic import BaseModel, ConfigDict, Field


class EmailPayload(BaseModel):
    """One customer email to run a workflow on."""

    model_config = ConfigDict(extra="forbid")

    from_address: str = Field(
        pattern=r"^[^@\s<>]+@[^@\s<>]+$",
        max_length=320,
        description="The customer's address; the reply goes there.",
    )
    from_name: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=998)
    body_text: str = Field(min_length=1, max_length=1_000_000)
    message_id: str | None = Field(
        default=None,
        pattern=r"^<[^<>\s]+@[^<>\s]+>$",
        description="The Message-ID (e.g. <abc@example.com>); the same one twice runs once."
        " A new one is made when it is left out.",
    )
    mailbox: str | None = Field(
        default=None, description="The mailbox it arrived at; the workflow trigger's by default."
    )
    in_reply_to: str | None = None
    received_at: datetime | None = Field(default=None, description="Now when left out.")


def raw_message(email: EmailPayload, now: datetime) -> bytes:
    """``email`` as the bytes of an RFC 5322 message. Fills in the payload's ``message_id``
    when it has none, so the caller can tell which email it was."""
    if email.message_id is None:
        email.message_id = make_msgid(domain="api.mailroom.invalid")
    message = EmailMessage()
    sender = f"{email.from_name} <{email.from_address}>" if email.from_name else email.from_address
    message["From"] = sender
    message["To"] = email.mailbox or "support@mailroom.example"
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.received_at or now)
    if email.in_reply_to:
        message["In-Reply-To"] = email.in_reply_to
    message.set_content(email.body_text)
    return bytes(message)
