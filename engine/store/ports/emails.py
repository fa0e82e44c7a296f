"""The emails aggregate: inbound emails, deduplicated by Message-ID, and their threads."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime

from engine.models import Email


class EmailStore(ABC):
    """Inbound emails. The natural key is (mailbox, Message-ID), enforced by a unique index."""

    @abstractmethod
    def insert_email(self, email: Email) -> bool:
        """Insert; return False (and change nothing) if (mailbox, message_id) already exists."""

    @abstractmethod
    def get_email(self, email_id: str) -> Email | None:
        """The email with ``email_id``, or None."""

    @abstractmethod
    def get_emails(self, email_ids: Sequence[str]) -> dict[str, Email]:
        """The stored emails among ``email_ids``, by id (ids not stored are left out); one
        query, for pages that list many executions or drafts."""

    @abstractmethod
    def find_email_by_message_id(self, message_id: str) -> Email | None:
        """Any stored email with this Message-ID (in any mailbox), or None."""

    @abstractmethod
    def find_email_in_mailbox(self, mailbox: str, message_id: str) -> Email | None:
        """The email of ``mailbox`` with this Message-ID, or None (the natural key's lookup)."""

    @abstractmethod
    def list_emails(
        self,
        *,
        received_from: datetime | None = None,
        received_before: datetime | None = None,
        limit: int = 100,
    ) -> list[Email]:
        """Emails received at or after ``received_from`` and before ``received_before`` (each
        bound optional), newest ``received_at`` first (then ``email_id``), at most ``limit``."""

    @abstractmethod
    def count_emails(self) -> int:
        """How many emails are stored."""

    @abstractmethod
    def find_thread_by_key(self, mailbox: str, thread_key: str, since: datetime) -> Email | None:
        """The newest email (by ``received_at``) of ``mailbox`` with ``thread_key`` received at
        or after ``since``, or None: the open conversation a header-less reply belongs to."""

    @abstractmethod
    def list_thread_emails(self, thread_id: str, limit: int = 20) -> list[Email]:
        """The emails of ``thread_id``, newest ``received_at`` first (then ``email_id``), at
        most ``limit``."""

    @abstractmethod
    def list_emails_from(self, address: str, limit: int = 20) -> list[Email]:
        """The emails sent from ``address`` (as given or in lower case; under an encryption key
        matched by its token, which ignores case), newest ``received_at`` first (then
        ``email_id``), at most ``limit``: a customer's history."""

    @abstractmethod
    def merge_threads(self, source_thread_id: str, target_thread_id: str) -> int:
        """Move every email of ``source_thread_id`` into ``target_thread_id``; return how many."""
