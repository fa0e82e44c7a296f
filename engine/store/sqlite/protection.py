"""Data protection on SQLite: re-encryption in batches, a customer's records by sender address,
their erasure in one transaction, VACUUM, and retention by age."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel

from engine.models import (
    Approval,
    AuditEntry,
    CategoryCorrection,
    CustomerRecords,
    Email,
    ExecutionLog,
    OutboxMessage,
    QuarantinedMessage,
)
from engine.store import _codec as codec
from engine.store.ports.protection import DataProtectionStore
from engine.store.sqlite.approvals import ERASED_QUEUE_FIELDS, approval_row
from engine.store.sqlite.connection import ModelT, SQLiteDatabase, marks, t
from engine.store.sqlite.executions import EXECUTION_UPDATE, execution_row
from engine.store.sqlite.outbox import OUTBOX_UPDATE, outbox_row

# Tables holding encrypted fields: (table, key column, model), for rotate-key.
_SEALED_TABLES: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("emails", "email_id", Email),
    ("executions", "execution_id", ExecutionLog),
    ("approvals", "approval_id", Approval),
    ("outbox", "idempotency_key", OutboxMessage),
    ("quarantine", "quarantine_key", QuarantinedMessage),
    ("ai_corrections", "approval_id", CategoryCorrection),
    ("audit", "audit_id", AuditEntry),
)
_RESEAL_BATCH = 500
_FINAL_STATUSES = "('completed', 'failed', 'cancelled')"
# What the retention job deletes: table → condition on rows older than the bound (?).
_EXPIRED: dict[str, str] = {
    "emails": "json_extract(doc, '$.ingested_at') < ? AND email_id NOT IN (SELECT email_id"
    f" FROM executions WHERE email_id IS NOT NULL AND status NOT IN {_FINAL_STATUSES})",
    "executions": f"created_at < ? AND status IN {_FINAL_STATUSES}",
    "approvals": "created_at < ? AND status != 'pending'",
    "outbox": "created_at < ? AND status != 'sending'",
    "deliveries": "at < ?",
    "quarantine": "received_at < ?",
    "ai_corrections": "corrected_at < ?",
    "audit": "at < ?",
}


class SQLiteDataProtectionStore(SQLiteDatabase, DataProtectionStore):
    def reseal_all(self) -> dict[str, int]:
        rewritten: dict[str, int] = {}
        for table, key, model_type in _SEALED_TABLES:
            rewritten[table] = 0
            after = ""
            while True:
                with self._locked() as db:
                    rows = db.execute(
                        f"SELECT {key}, doc FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?",
                        (after, _RESEAL_BATCH),
                    ).fetchall()
                if not rows:
                    break
                after = rows[-1][0]
                changes = []
                for row_key, doc in rows:
                    stored = json.loads(doc)
                    if codec.needs_reseal(model_type, stored, self.cipher):
                        resealed = codec.reseal_document(model_type, stored, self.cipher)
                        changes.append((codec.json_text(resealed), row_key, doc))
                with self._write() as db:
                    for change in changes:
                        # Only if unchanged since read: a concurrent write is never undone.
                        rewritten[table] += db.execute(
                            f"UPDATE {table} SET doc = ? WHERE {key} = ? AND doc = ?", change
                        ).rowcount
        return rewritten

    def find_customer(self, address: str) -> CustomerRecords:
        senders = codec.lookup_values(Email, "from_address", address, self.cipher)
        with self._locked() as db:
            email_rows = db.execute(
                "SELECT doc FROM emails WHERE json_extract(doc, '$.from_address')"
                f" IN ({marks(senders)}) OR lower(json_extract(doc, '$.from_address')) = ?",
                [*senders, address.strip().lower()],
            ).fetchall()
            emails = [self._load(Email, doc) for (doc,) in email_rows]
            ids = [email.email_id for email in emails]

            def linked(table: str, model_type: type[ModelT], column: str) -> list[ModelT]:
                rows = db.execute(
                    f"SELECT doc FROM {table} WHERE {column} IN ({marks(ids)})", ids
                ).fetchall()
                return [self._load(model_type, doc) for (doc,) in rows]

            by_email = "json_extract(doc, '$.email_id')"
            records = CustomerRecords(
                emails=emails,
                executions=linked("executions", ExecutionLog, "email_id"),
                approvals=linked("approvals", Approval, by_email),
                outbox=linked("outbox", OutboxMessage, by_email),
                corrections=linked("ai_corrections", CategoryCorrection, by_email),
            )
            targets = [
                *ids,
                *(e.execution_id for e in records.executions),
                *(a.approval_id for a in records.approvals),
                *(m.idempotency_key for m in records.outbox),
            ]
            audit_rows = db.execute(
                "SELECT doc FROM audit WHERE json_extract(doc, '$.target')"
                f" IN ({marks(targets)}) ORDER BY seq",
                targets,
            ).fetchall()
        records.audit = [self._load(AuditEntry, doc) for (doc,) in audit_rows]
        return records

    def erase_customer(self, erased: CustomerRecords, removed: CustomerRecords) -> None:
        with self._write() as db:
            for email in erased.emails:
                db.execute(
                    "UPDATE emails SET doc = ? WHERE email_id = ?",
                    (self._dump(email), email.email_id),
                )
            for execution in erased.executions:
                db.execute(EXECUTION_UPDATE, execution_row(execution, self.cipher))
            for approval in erased.approvals:
                db.execute(
                    "UPDATE approvals SET status = :status, priority_rank = :priority_rank,"
                    f" {ERASED_QUEUE_FIELDS}, doc = :doc WHERE approval_id = :approval_id",
                    approval_row(approval, self.cipher),
                )
            for message in erased.outbox:
                db.execute(OUTBOX_UPDATE, outbox_row(message, self.cipher))
            for entry in erased.audit:
                db.execute(
                    "UPDATE audit SET doc = ? WHERE audit_id = ?",
                    (self._dump(entry), entry.audit_id),
                )
            db.executemany(
                "DELETE FROM ai_corrections WHERE approval_id = ?",
                [(c.approval_id,) for c in removed.corrections],
            )
            db.executemany(
                "DELETE FROM quarantine WHERE quarantine_key = ?",
                [(q.quarantine_key,) for q in removed.quarantine],
            )

    def compact(self) -> None:
        with self._locked() as db:
            # VACUUM rebuilds the file without the freed pages that still hold erased text;
            # the checkpoint then moves it out of the WAL and truncates the WAL to nothing.
            db.execute("VACUUM")
            # The search index is keyed by the approvals' rowids, which VACUUM may renumber;
            # it is rebuilt from the (already erased) rows, so it frees only current text.
            db.execute("INSERT INTO approvals_search (approvals_search) VALUES ('rebuild')")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def delete_expired(self, collection: str, before: datetime) -> int:
        condition = _EXPIRED.get(collection)
        if condition is None:
            raise ValueError(f"no retention for {collection!r}; use one of {', '.join(_EXPIRED)}")
        with self._locked() as db:
            return int(
                db.execute(f"DELETE FROM {collection} WHERE {condition}", (t(before),)).rowcount
            )
