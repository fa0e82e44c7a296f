"""Customer history: beside a draft, the other emails of its thread and of its sender, each with
the replies sent to it, so an agent answers knowing what was said before."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.models import Email, OutboxMessage
from engine.roles import Actor
from engine.service.core import ServiceCore
from engine.service.permissions import NotFound, requires

#: How many earlier emails the history shows unless asked otherwise.
HISTORY_LIMIT = 20


@dataclass(frozen=True)
class HistoryEntry:
    """One email of a customer's history and what was replied to it (newest reply first)."""

    email: Email
    in_thread: bool
    replies: list[OutboxMessage] = field(default_factory=list)


@dataclass(frozen=True)
class CustomerHistory:
    """The history around one email: ``entries`` newest received first (the email itself left
    out); ``other_threads`` maps each other thread of the customer among them to the subject
    of its newest email (what a merge may target)."""

    email_id: str
    address: str
    thread_id: str
    entries: list[HistoryEntry]
    other_threads: dict[str, str]
    limited: bool


class HistoryOperations(ServiceCore):
    """Customer history operations of the service."""

    @requires("view")
    def customer_history(
        self, actor: Actor, email_id: str, limit: int = HISTORY_LIMIT
    ) -> CustomerHistory:
        """The other emails of ``email_id``'s thread and of its sender, newest first, at most
        ``limit``, each with the replies recorded for it (sent or not, with their status)."""
        email = self.store.get_email(email_id)
        if email is None:
            raise NotFound(f"email {email_id} does not exist")
        limit = max(limit, 0)
        # One more than shown, so the page can say the history goes further back.
        found: dict[str, Email] = {}
        for other in self.store.list_thread_emails(email.thread_id, limit + 2):
            found[other.email_id] = other
        for other in self.store.list_emails_from(email.from_address, limit + 2):
            found.setdefault(other.email_id, other)
        found.pop(email.email_id, None)
        ordered = sorted(found.values(), key=lambda e: (e.received_at, e.email_id), reverse=True)
        shown = ordered[:limit]
        replies: dict[str, list[OutboxMessage]] = {}
        for reply in self.store.replies_to([e.email_id for e in shown]):
            if reply.email_id is not None:
                replies.setdefault(reply.email_id, []).append(reply)
        other_threads: dict[str, str] = {}
        for other in shown:
            if other.thread_id != email.thread_id:
                other_threads.setdefault(other.thread_id, other.subject or "(no subject)")
        return CustomerHistory(
            email_id=email.email_id,
            address=email.from_address,
            thread_id=email.thread_id,
            entries=[
                HistoryEntry(
                    email=other,
                    in_thread=other.thread_id == email.thread_id,
                    replies=replies.get(other.email_id, []),
                )
                for other in shown
            ],
            other_threads=other_threads,
            limited=len(ordered) > limit,
        )
