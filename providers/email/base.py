"""Interfaces of the email family: where mail comes from and how replies leave."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from providers.checks import CheckFailed, Probe


class AttachmentInfo(BaseModel):
    """What is recorded of one attachment: never its bytes, only what identifies it."""

    filename: str = ""
    content_type: str = "application/octet-stream"
    size_bytes: int = 0
    sha256: str = ""
    inline: bool = False
    over_size_limit: bool = False
    #: Why the content could not be had (a webhook's attachment whose download failed), or
    #: None when it was read: the attachment is recorded either way, never dropped.
    missing: str | None = None


class InboundEmail(BaseModel):
    """One customer email as a source delivers it, before the engine stores it."""

    message_id: str
    mailbox: str
    from_address: str
    from_name: str = ""
    to_address: str = ""
    #: The Cc addresses, comma-separated like ``to_address``.
    cc_address: str = ""
    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    #: When the message arrived (the mailbox's time, or when we took it in): the SLA counts
    #: from here. Never the Date header, which the sender controls.
    received_at: datetime
    headers: dict[str, str] = Field(default_factory=dict)
    # --- real mailboxes; defaults keep the demo source and stored emails valid ---
    #: The body with quoted replies and signatures removed: what classification should read.
    #: ``body_text`` keeps the whole text for people.
    text_for_classification: str = ""
    #: Why this mail must never be answered automatically (auto-reply, bounce, mailing list,
    #: no-reply sender), or None for mail a person wrote.
    auto_reply: str | None = None
    attachments: list[AttachmentInfo] = Field(default_factory=list)
    #: Where it came from: ``demo``, ``imap``, ``pop3``, ``gmail``, ``sendgrid``, ``brevo``,
    #: ``ingest``.
    source: str = "demo"
    size_bytes: int = 0
    raw_sha256: str | None = None
    #: Sender and normalised subject, to find the thread when the headers do not.
    thread_key: str = ""
    #: The provider's own thread id (Gmail's threadId), to answer on that thread.
    provider_thread_id: str | None = None
    #: The Date header as the sender wrote it (their clock, or anything they chose): shown,
    #: never used for the SLA or ordering.
    date_header: datetime | None = None


class RejectedMessage(BaseModel):
    """A message a source fetched but could not turn into an ``InboundEmail``."""

    reason: str
    raw: bytes
    #: Where it was found (an IMAP UID, a file name, a webhook), for people.
    origin: str = ""


class FetchResult(BaseModel):
    """A batch of new mail and the cursor to pass to the next fetch."""

    emails: list[InboundEmail]
    next_cursor: str | None
    #: Messages that could not be parsed: the caller quarantines them, the batch goes on.
    rejected: list[RejectedMessage] = Field(default_factory=list)


class EmailSource(ABC):
    """A mailbox that is polled for new mail."""

    mailbox: str
    #: Whether ``renew_push`` has push notifications to keep up (Gmail with a Pub/Sub topic).
    pushes: bool = False

    @abstractmethod
    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        """Return up to ``limit`` messages that arrived after ``cursor``.

        ``cursor`` is the value a previous call returned as ``next_cursor`` (``None`` the first
        time). Fetching again from the same cursor returns the same messages, so a caller that
        crashed before saving the new cursor loses nothing; deduplication is the caller's job.
        """

    def processed(self, result: FetchResult) -> None:  # noqa: B027 - optional hook
        """Called after every message of ``result`` is stored and the cursor saved, so a source
        can flag or move what it delivered. The default does nothing."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has none."""

    def wait_for_mail(self, timeout_seconds: float) -> bool | None:
        """Block until new mail may have arrived (True) or ``timeout_seconds`` pass (False).

        ``None`` means this source cannot wait for mail and is only polled; that is the
        default. A source that can (IMAP IDLE) lets the worker poll as soon as mail arrives.
        """
        return None

    def interrupt(self) -> None:  # noqa: B027 - optional hook
        """Make a ``wait_for_mail`` blocked in another thread return soon (for shutdown)."""

    def renew_push(self, state: str | None, now: datetime) -> str | None:
        """Set up or renew the mailbox's push notifications (Gmail's ``users.watch``).

        ``state`` is what the last call returned (None the first time). Return the new state
        to keep when a watch was set up or renewed, or None when nothing was done (not due
        yet, or this source has no push). The default has none.
        """
        return None

    def stop_push(self) -> bool:
        """Stop the push notifications a former ``renew_push`` set up (Gmail's ``users.stop``),
        once push is no longer wanted; False when this source has none to stop."""
        return False


class OutgoingEmail(BaseModel):
    """A reply ready to leave, with the headers that keep it on the customer's thread."""

    message_id: str
    from_address: str
    to_address: str
    subject: str
    body_text: str
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    #: The provider's id of the thread being answered (Gmail's threadId), when it has one.
    provider_thread_id: str | None = None


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

    def verify(self, probe: Probe) -> None:
        """Check the sender could send, without sending anything (connect, authenticate,
        or an authenticated read), stage by stage through ``probe``."""
        probe.run("check", _no_check(type(self).__name__))


def _no_check(name: str) -> Callable[[], str]:
    def refuse() -> str:
        raise CheckFailed("check", f"{name} has no way to check without sending")

    return refuse
