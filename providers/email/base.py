"""Interfaces of the email family: where mail comes from and how replies leave."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from pydantic import BaseModel, Field


class InboundEmail(BaseModel):
    """One customer email as a source delivers it, before the engine stores it."""

    message_id: str
    mailbox: str
    from_address: str
    from_name: str = ""
    to_address: str = ""
    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    received_at: datetime
    headers: dict[str, str] = Field(default_factory=dict)


class FetchResult(BaseModel):
    """A batch of new mail and the cursor to pass to the next fetch."""

    emails: list[InboundEmail]
    next_cursor: str | None


class EmailSource(ABC):
    """A mailbox that is polled for new mail."""

    mailbox: str

    @abstractmethod
    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        """Return up to ``limit`` messages that arrived after ``cursor``.

        ``cursor`` is the value a previous call returned as ``next_cursor`` (``None`` the first
        time). Fetching again from the same cursor returns the same messages, so a caller that
        crashed before saving the new cursor loses nothing; deduplication is the caller's job.
        """


class OutgoingEmail(BaseModel):
    """A reply ready to leave, with the headers that keep it on the customer's thread."""

    message_id: str
    from_address: str
    to_address: str
    subject: str
    body_text: str
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)


class SendReceipt(BaseModel):
    """What a sender reports back after accepting a message."""

    provider_message_id: str
    accepted_at: datetime


class EmailSender(ABC):
    """Somewhere replies are sent through."""

    @abstractmethod
    def send(self, email: OutgoingEmail) -> SendReceipt:
        """Send one message; raise a ``TransientProviderError`` or ``PermanentProviderError``."""

    def find_sent(self, message_id: str) -> SendReceipt | None:
        """The receipt of an earlier delivery of ``message_id``, or None.

        Called only when a crash hid whether a send went out. Senders that cannot look a
        message up return None, and the engine sends again with the same Message-ID, which
        receiving mail systems use to recognise the repeat.
        """
        return None
