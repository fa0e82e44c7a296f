"""The outbox on SQLite: unique on ``idempotency_key``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.encryption import FieldCipher
from engine.models import OutboxKind, OutboxMessage, OutboxStatus
from engine.store import _codec as codec
from engine.store.ports.outbox import OutboxStore
from engine.store.sqlite.connection import SQLiteDatabase, Where, marks, t, value_of

OUTBOX_UPDATE = (
    "UPDATE outbox SET status = :status, doc = :doc WHERE idempotency_key = :idempotency_key"
)


def outbox_row(message: OutboxMessage, cipher: FieldCipher | None) -> dict[str, Any]:
    """The named parameters of the outbox table's statements for ``message``."""
    return {
        "idempotency_key": message.idempotency_key,
        "kind": message.kind.value,
        "status": message.status.value,
        "created_at": t(message.created_at),
        "doc": codec.to_json(message, cipher),
    }


class SQLiteOutboxStore(SQLiteDatabase, OutboxStore):
    def reserve_outbox(self, message: OutboxMessage) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO outbox (idempotency_key, kind, status, created_at, doc)"
                " VALUES (:idempotency_key, :kind, :status, :created_at, :doc)"
                " ON CONFLICT (idempotency_key) DO NOTHING",
                outbox_row(message, self.cipher),
            ).rowcount
        return inserted == 1

    def get_outbox(self, idempotency_key: str) -> OutboxMessage | None:
        return self._one(
            OutboxMessage, "SELECT doc FROM outbox WHERE idempotency_key = ?", idempotency_key
        )

    def mark_outbox(
        self,
        idempotency_key: str,
        *,
        status: OutboxStatus,
        provider_message_id: str | None = None,
        sent_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        with self._write() as db:
            row = db.execute(
                "SELECT doc FROM outbox WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
            if row is None:
                return
            marked = self._load(OutboxMessage, row[0]).model_copy(
                update={
                    "status": status,
                    "provider_message_id": provider_message_id,
                    "sent_at": sent_at,
                    "error": error,
                }
            )
            db.execute(OUTBOX_UPDATE, outbox_row(marked, self.cipher))

    def list_outbox(self, kind: OutboxKind | None = None, limit: int = 100) -> list[OutboxMessage]:
        where = Where().add_if(value_of(kind), "kind = ?")
        return self._all(
            OutboxMessage,
            f"SELECT doc FROM outbox WHERE {where.sql}"
            " ORDER BY created_at DESC, idempotency_key DESC LIMIT ?",
            *where.params,
            max(limit, 0),
        )

    def replies_to(self, email_ids: Sequence[str]) -> list[OutboxMessage]:
        found: list[OutboxMessage] = []
        unique = list(dict.fromkeys(email_ids))
        # SQLite caps the bound parameters of one statement; outbox_email is the index.
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            found += self._all(
                OutboxMessage,
                f"SELECT doc FROM outbox WHERE json_extract(doc, '$.email_id') IN ({marks(chunk)})"
                " AND kind = ?",
                *chunk,
                OutboxKind.REPLY.value,
            )
        return sorted(found, key=lambda m: (m.created_at, m.idempotency_key), reverse=True)

    def count_outbox(
        self, kind: OutboxKind | None = None, status: OutboxStatus | None = None
    ) -> int:
        where = Where().add_if(value_of(kind), "kind = ?").add_if(value_of(status), "status = ?")
        return self._count(f"SELECT COUNT(*) FROM outbox WHERE {where.sql}", *where.params)
