"""Emails and threads on SQLite: unique on (message_id, mailbox); thread lookups by the
``thread_key`` and ``thread_id`` held in the document (indexed by expression)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine.encryption import FieldCipher
from engine.models import Email
from engine.store import _codec as codec
from engine.store.ports.emails import EmailStore
from engine.store.sqlite.connection import SQLiteDatabase, Where, marks, t, t_opt

_RECEIVED_AT = "json_extract(doc, '$.received_at')"
_FROM_ADDRESS = "json_extract(doc, '$.from_address')"


def _sender_values(address: str, cipher: FieldCipher | None) -> list[str]:
    """What ``from_address`` may hold for ``address``: as given or in lower case in clear,
    or its token under any key (tokens are made from the case-folded address)."""
    values = codec.lookup_values(Email, "from_address", address, cipher)
    values += codec.lookup_values(Email, "from_address", address.strip().lower(), cipher)
    return list(dict.fromkeys(values))


class SQLiteEmailStore(SQLiteDatabase, EmailStore):
    def insert_email(self, email: Email) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO emails (email_id, mailbox, message_id, doc) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (message_id, mailbox) DO NOTHING",
                (email.email_id, email.mailbox, email.message_id, self._dump(email)),
            ).rowcount
        return inserted == 1

    def get_email(self, email_id: str) -> Email | None:
        return self._one(Email, "SELECT doc FROM emails WHERE email_id = ?", email_id)

    def get_emails(self, email_ids: Sequence[str]) -> dict[str, Email]:
        found: dict[str, Email] = {}
        unique = list(dict.fromkeys(email_ids))
        # SQLite caps the bound parameters of one statement (32,766 since 3.32).
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            for email in self._all(
                Email, f"SELECT doc FROM emails WHERE email_id IN ({marks(chunk)})", *chunk
            ):
                found[email.email_id] = email
        return found

    def find_email_by_message_id(self, message_id: str) -> Email | None:
        return self._one(
            Email,
            "SELECT doc FROM emails WHERE message_id = ? ORDER BY mailbox LIMIT 1",
            message_id,
        )

    def find_email_in_mailbox(self, mailbox: str, message_id: str) -> Email | None:
        return self._one(
            Email,
            "SELECT doc FROM emails WHERE message_id = ? AND mailbox = ?",
            message_id,
            mailbox,
        )

    def list_emails(
        self,
        *,
        received_from: datetime | None = None,
        received_before: datetime | None = None,
        limit: int = 100,
    ) -> list[Email]:
        where = (
            Where()
            .add_if(t_opt(received_from), f"{_RECEIVED_AT} >= ?")
            .add_if(t_opt(received_before), f"{_RECEIVED_AT} < ?")
        )
        return self._all(
            Email,
            f"SELECT doc FROM emails WHERE {where.sql}"
            f" ORDER BY {_RECEIVED_AT} DESC, email_id DESC LIMIT ?",
            *where.params,
            max(limit, 0),
        )

    def count_emails(self) -> int:
        return self._count("SELECT COUNT(*) FROM emails")

    def find_thread_by_key(self, mailbox: str, thread_key: str, since: datetime) -> Email | None:
        keys = codec.lookup_values(Email, "thread_key", thread_key, self.cipher)
        return self._one(
            Email,
            "SELECT doc FROM emails WHERE mailbox = ?"
            f" AND json_extract(doc, '$.thread_key') IN ({marks(keys)})"
            " AND json_extract(doc, '$.received_at') >= ?"
            " ORDER BY json_extract(doc, '$.received_at') DESC LIMIT 1",
            mailbox,
            *keys,
            t(since),
        )

    def list_thread_emails(self, thread_id: str, limit: int = 20) -> list[Email]:
        return self._all(
            Email,
            "SELECT doc FROM emails WHERE json_extract(doc, '$.thread_id') = ?"
            f" ORDER BY {_RECEIVED_AT} DESC, email_id DESC LIMIT ?",
            thread_id,
            max(limit, 0),
        )

    def list_emails_from(self, address: str, limit: int = 20) -> list[Email]:
        senders = _sender_values(address, self.cipher)
        # The index emails_from (migration 9) is on (from_address, received_at).
        return self._all(
            Email,
            f"SELECT doc FROM emails WHERE {_FROM_ADDRESS} IN ({marks(senders)})"
            f" ORDER BY {_RECEIVED_AT} DESC, email_id DESC LIMIT ?",
            *senders,
            max(limit, 0),
        )

    def merge_threads(self, source_thread_id: str, target_thread_id: str) -> int:
        with self._locked() as db:
            moved = db.execute(
                "UPDATE emails SET doc = json_set(doc, '$.thread_id', ?)"
                " WHERE json_extract(doc, '$.thread_id') = ?",
                (target_thread_id, source_thread_id),
            ).rowcount
        return int(moved)
