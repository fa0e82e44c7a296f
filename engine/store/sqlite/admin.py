"""Administration on SQLite: cursors, leases, worker heartbeats, the audit log (in insertion
order, ``seq``), quarantine and mailbox source health."""

from __future__ import annotations

from datetime import datetime

from engine.models import AuditEntry, QuarantinedMessage, SourceHealth, WorkerInfo
from engine.store.ports.admin import AdminStore
from engine.store.sqlite.connection import SQLiteDatabase, Where, t, t_opt


class SQLiteAdminStore(SQLiteDatabase, AdminStore):
    def get_cursor(self, key: str) -> str | None:
        with self._locked() as db:
            row = db.execute("SELECT value FROM cursors WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_cursor(self, key: str, value: str) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT INTO cursors (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def replace_cursor(self, key: str, expected: str | None, value: str) -> bool:
        with self._locked() as db:
            if expected is None:
                changed = db.execute(
                    "INSERT INTO cursors (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                    (key, value),
                ).rowcount
            else:
                changed = db.execute(
                    "UPDATE cursors SET value = ? WHERE key = ? AND value = ?",
                    (value, key, expected),
                ).rowcount
        return changed == 1

    def acquire_lease(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        with self._locked() as db:
            taken = db.execute(
                "INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until"
                " WHERE leases.until < ? OR leases.owner = excluded.owner",
                (name, owner, t(until), t(now)),
            ).rowcount
        return taken == 1

    def release_lease(self, name: str, owner: str) -> None:
        with self._locked() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    def record_heartbeat(self, worker: WorkerInfo) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT INTO workers (worker_id, heartbeat_at, doc) VALUES (?, ?, ?)"
                " ON CONFLICT (worker_id) DO UPDATE SET"
                " heartbeat_at = excluded.heartbeat_at, doc = excluded.doc",
                (worker.worker_id, t(worker.heartbeat_at), self._dump(worker)),
            )

    def remove_worker(self, worker_id: str) -> None:
        with self._locked() as db:
            db.execute("DELETE FROM workers WHERE worker_id = ?", (worker_id,))

    def list_workers(self, alive_since: datetime | None = None) -> list[WorkerInfo]:
        where = Where().add_if(t_opt(alive_since), "heartbeat_at >= ?")
        return self._all(
            WorkerInfo,
            f"SELECT doc FROM workers WHERE {where.sql} ORDER BY worker_id",
            *where.params,
        )

    def append_audit(self, entry: AuditEntry) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT INTO audit (audit_id, at, doc) VALUES (?, ?, ?)",
                (entry.audit_id, t(entry.at), self._dump(entry)),
            )

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        return self._all(
            AuditEntry,
            "SELECT doc FROM audit ORDER BY at DESC, seq DESC LIMIT ?",
            max(limit, 0),
        )

    def quarantine_message(self, item: QuarantinedMessage) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO quarantine (quarantine_key, received_at, doc) VALUES (?, ?, ?)"
                " ON CONFLICT (quarantine_key) DO NOTHING",
                (item.quarantine_key, t(item.received_at), self._dump(item)),
            ).rowcount
        return inserted == 1

    def list_quarantine(self, limit: int = 100) -> list[QuarantinedMessage]:
        return self._all(
            QuarantinedMessage,
            "SELECT doc FROM quarantine ORDER BY received_at DESC, quarantine_key LIMIT ?",
            max(limit, 0),
        )

    def count_quarantine(self) -> int:
        return self._count("SELECT COUNT(*) FROM quarantine")

    def save_source_health(self, health: SourceHealth) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT INTO source_health (source_key, doc) VALUES (?, ?)"
                " ON CONFLICT (source_key) DO UPDATE SET doc = excluded.doc",
                (health.source_key, self._dump(health)),
            )

    def get_source_health(self, source_key: str) -> SourceHealth | None:
        return self._one(
            SourceHealth, "SELECT doc FROM source_health WHERE source_key = ?", source_key
        )

    def list_source_health(self) -> list[SourceHealth]:
        return self._all(SourceHealth, "SELECT doc FROM source_health ORDER BY source_key")
