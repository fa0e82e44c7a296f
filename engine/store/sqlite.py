"""The embedded backend: one SQLite file in WAL mode, shared by several processes and threads.

Each table keeps the whole model as JSON in ``doc`` plus real columns for what is filtered,
sorted or uniquely indexed. Every write that reads first runs in a ``BEGIN IMMEDIATE``
transaction, which takes the database's write lock up front, so it is atomic across processes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from engine.models import (
    Approval,
    ApprovalStatus,
    AuditEntry,
    CategoryCorrection,
    CustomerRecords,
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    NodeStatusCount,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    QuarantinedMessage,
    RollupIncrement,
    RollupRow,
    SourceHealth,
    WorkerInfo,
    Workflow,
    WorkflowStatus,
    utcnow,
)
from engine.store import _codec as codec
from engine.store.base import Store, WorkflowNotFound, sum_rollup_increments

BUSY_TIMEOUT_MS = 10_000

ModelT = TypeVar("ModelT", bound=BaseModel)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workflows (
    workflow_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS workflows_name ON workflows (name, workflow_id);

CREATE TABLE IF NOT EXISTS workflow_versions (
    workflow_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (workflow_id, version)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS emails (
    email_id TEXT PRIMARY KEY,
    mailbox TEXT NOT NULL,
    message_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
-- message_id first so find_email_by_message_id uses the same index.
CREATE UNIQUE INDEX IF NOT EXISTS emails_message ON emails (message_id, mailbox);

CREATE TABLE IF NOT EXISTS executions (
    execution_id TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL,
    email_id TEXT,
    status TEXT NOT NULL,
    owner TEXT,
    attempt INTEGER NOT NULL,
    lease_until TEXT,
    created_at TEXT NOT NULL,
    category TEXT,
    control_request TEXT,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS executions_workflow_email
    ON executions (workflow_id, email_id) WHERE email_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS executions_status_created ON executions (status, created_at);
CREATE INDEX IF NOT EXISTS executions_workflow_created ON executions (workflow_id, created_at);
CREATE INDEX IF NOT EXISTS executions_created ON executions (created_at);

CREATE TABLE IF NOT EXISTS approvals (
    approval_id TEXT PRIMARY KEY,
    execution_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    status TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS approvals_execution_node ON approvals (execution_id, node_id);
CREATE INDEX IF NOT EXISTS approvals_queue ON approvals (status, priority_rank, created_at);

CREATE TABLE IF NOT EXISTS outbox (
    idempotency_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_kind_created ON outbox (kind, created_at);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_at);

CREATE TABLE IF NOT EXISTS rollups (
    bucket TEXT NOT NULL,
    metric TEXT NOT NULL,
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    total REAL NOT NULL,
    PRIMARY KEY (bucket, metric, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rollups_metric_bucket ON rollups (metric, bucket, key);

CREATE TABLE IF NOT EXISTS cursors (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS workers (
    worker_id TEXT PRIMARY KEY,
    heartbeat_at TEXT NOT NULL,
    doc TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    audit_id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at, seq);
"""

# Real mailboxes (issue 5): quarantine, the thread-key lookup, source health.
_MAIL_SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_key TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_received ON quarantine (received_at);
CREATE INDEX IF NOT EXISTS emails_thread_key ON emails (
    mailbox, json_extract(doc, '$.thread_key'), json_extract(doc, '$.received_at')
);
CREATE INDEX IF NOT EXISTS emails_thread ON emails (json_extract(doc, '$.thread_id'));
CREATE TABLE IF NOT EXISTS source_health (
    source_key TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
"""

# Executions per (workflow, status), kept by triggers in the same transaction as every insert,
# status change and delete, so the live pages read a handful of rows instead of counting the
# whole executions table. A store made before it existed is counted once, in setup().
_EXECUTION_COUNTS_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS execution_counts (workflow_id TEXT NOT NULL,"
    " status TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (workflow_id, status))"
    " WITHOUT ROWID",
    "CREATE TRIGGER IF NOT EXISTS execution_counts_insert AFTER INSERT ON executions BEGIN"
    " INSERT INTO execution_counts VALUES (NEW.workflow_id, NEW.status, 1)"
    " ON CONFLICT (workflow_id, status) DO UPDATE SET count = count + 1; END",
    "CREATE TRIGGER IF NOT EXISTS execution_counts_delete AFTER DELETE ON executions BEGIN"
    " UPDATE execution_counts SET count = count - 1"
    " WHERE workflow_id = OLD.workflow_id AND status = OLD.status; END",
    "CREATE TRIGGER IF NOT EXISTS execution_counts_update AFTER UPDATE OF status, workflow_id"
    " ON executions WHEN OLD.status IS NOT NEW.status OR OLD.workflow_id IS NOT NEW.workflow_id"
    " BEGIN UPDATE execution_counts SET count = count - 1"
    " WHERE workflow_id = OLD.workflow_id AND status = OLD.status;"
    " INSERT INTO execution_counts VALUES (NEW.workflow_id, NEW.status, 1)"
    " ON CONFLICT (workflow_id, status) DO UPDATE SET count = count + 1; END",
]

_t = codec.time_text
_t_opt = codec.time_text_or_none


def _execution_row(execution: ExecutionLog) -> dict[str, Any]:
    return {
        "execution_id": execution.execution_id,
        "workflow_id": execution.workflow_id,
        "email_id": execution.email_id,
        "status": execution.status.value,
        "owner": execution.owner,
        "attempt": execution.attempt,
        "lease_until": _t_opt(execution.lease_until),
        "created_at": _t(execution.created_at),
        "category": execution.category,
        "control_request": execution.control_request,
        "doc": codec.to_json(execution),
    }


_EXECUTION_COLUMNS = (
    "execution_id",
    "workflow_id",
    "email_id",
    "status",
    "owner",
    "attempt",
    "lease_until",
    "created_at",
    "category",
    "control_request",
    "doc",
)
_EXECUTION_INSERT = (
    f"INSERT INTO executions ({', '.join(_EXECUTION_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _EXECUTION_COLUMNS)})"
)
_EXECUTION_SET = ", ".join(f"{c} = :{c}" for c in _EXECUTION_COLUMNS if c != "execution_id")
# The stored control_request survives a worker's fenced write (see Store.write_execution).
_EXECUTION_FENCED_SET = ", ".join(
    [
        f"{c} = :{c}"
        for c in _EXECUTION_COLUMNS
        if c not in {"execution_id", "control_request", "doc"}
    ]
    + ["doc = json_set(:doc, '$.control_request', control_request)"]
)


def _approval_row(approval: Approval) -> dict[str, Any]:
    return {
        "approval_id": approval.approval_id,
        "execution_id": approval.execution_id,
        "node_id": approval.node_id,
        "status": approval.status.value,
        "priority_rank": approval.priority_rank,
        "created_at": _t(approval.created_at),
        "doc": codec.to_json(approval),
    }


def _outbox_row(message: OutboxMessage) -> dict[str, Any]:
    return {
        "idempotency_key": message.idempotency_key,
        "kind": message.kind.value,
        "status": message.status.value,
        "created_at": _t(message.created_at),
        "doc": codec.to_json(message),
    }


def _workflow_row(workflow: Workflow) -> dict[str, Any]:
    return {
        "workflow_id": workflow.workflow_id,
        "name": workflow.name,
        "status": workflow.status.value,
        "version": workflow.version,
        "doc": codec.to_json(workflow),
    }


def _value(member: StrEnum | None) -> str | None:
    return None if member is None else member.value


# AI (issue 4): agents' category corrections, one per approval.
_AI_SCHEMA = """
CREATE TABLE IF NOT EXISTS ai_corrections (
    approval_id TEXT PRIMARY KEY,
    corrected_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ai_corrections_at ON ai_corrections (corrected_at, approval_id);
"""


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
    "quarantine": "received_at < ?",
    "ai_corrections": "corrected_at < ?",
    "audit": "at < ?",
}


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


class _Where:
    """A WHERE clause built from optional filters, with its parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> _Where:
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def add_if(self, value: Any, clause: str) -> _Where:
        return self if value is None else self.add(clause, value)

    def add_in(self, column: str, values: Sequence[str]) -> _Where:
        if not values:
            return self.add("0")
        return self.add(f"{column} IN ({', '.join('?' for _ in values)})", *values)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "1"


class SQLiteStore(Store):
    """The embedded store: one SQLite database file, safe for several processes and threads.

    Threads share one connection behind a lock (SQLite serialises writers anyway); processes
    coordinate through SQLite's file locks, waiting up to ``BUSY_TIMEOUT_MS`` for each other.
    """

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()

    # --- connection and transactions --------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        # The pid check: a connection inherited through fork() must not be used by the child.
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self._path,
            timeout=BUSY_TIMEOUT_MS / 1000,  # SQLite's busy_timeout: wait for other writers
            isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE)
            check_same_thread=False,  # shared by threads, behind self._lock
        )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        self._conn, self._pid = conn, os.getpid()
        return conn

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads and single-statement writes (atomic on their own)."""
        with self._lock:
            yield self._connection()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A transaction holding the write lock from its start (atomic across processes)."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- lifecycle -------------------------------------------------------------------------
    def setup(self) -> None:
        with self._lock:
            # Every statement is IF NOT EXISTS: running it again, or concurrently, is harmless.
            self._connection().executescript(_SCHEMA)
            self._connection().executescript(_MAIL_SCHEMA)
            self._connection().executescript(_AI_SCHEMA)
        with self._write() as db:
            counted = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'execution_counts'"
            ).fetchone()
            for statement in _EXECUTION_COUNTS_SCHEMA:
                db.execute(statement)
            if counted is None:
                db.execute(
                    "INSERT INTO execution_counts SELECT workflow_id, status, COUNT(*)"
                    " FROM executions WHERE 1 GROUP BY workflow_id, status"
                    " ON CONFLICT (workflow_id, status) DO NOTHING"
                )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    # --- workflows -------------------------------------------------------------------------
    def save_workflow(self, workflow: Workflow) -> Workflow:
        now = utcnow()
        with self._write() as db:
            row = db.execute(
                "SELECT doc FROM workflows WHERE workflow_id = ?", (workflow.workflow_id,)
            ).fetchone()
            previous = None if row is None else codec.from_json(Workflow, row[0])
            version = 1 if previous is None else previous.version + 1
            stored = codec.next_workflow(workflow, previous, version, now)
            values = _workflow_row(stored)
            db.execute(
                "INSERT INTO workflow_versions (workflow_id, version, doc)"
                " VALUES (:workflow_id, :version, :doc)",
                values,
            )
            db.execute(
                "INSERT INTO workflows (workflow_id, name, status, version, doc)"
                " VALUES (:workflow_id, :name, :status, :version, :doc)"
                " ON CONFLICT (workflow_id) DO UPDATE SET name = excluded.name,"
                " status = excluded.status, version = excluded.version, doc = excluded.doc",
                values,
            )
        return stored

    def get_workflow(self, workflow_id: str, version: int | None = None) -> Workflow:
        with self._locked() as db:
            row = db.execute(
                "SELECT version, doc FROM workflows WHERE workflow_id = ?", (workflow_id,)
            ).fetchone()
            if row is not None and version not in (None, row[0]):
                row = db.execute(
                    "SELECT version, doc FROM workflow_versions"
                    " WHERE workflow_id = ? AND version = ?",
                    (workflow_id, version),
                ).fetchone()
        if row is None:
            raise WorkflowNotFound(workflow_id, version)
        return codec.from_json(Workflow, row[1])

    def list_workflows(self, status: WorkflowStatus | None = None) -> list[Workflow]:
        where = _Where().add_if(_value(status), "status = ?")
        with self._locked() as db:
            rows = db.execute(
                f"SELECT doc FROM workflows WHERE {where.sql} ORDER BY name, workflow_id",
                where.params,
            ).fetchall()
        return [codec.from_json(Workflow, doc) for (doc,) in rows]

    def set_workflow_status(self, workflow_id: str, status: WorkflowStatus) -> Workflow:
        with self._locked() as db:
            row = db.execute(
                "UPDATE workflows SET status = ?1, doc = json_set(doc, '$.status', ?1)"
                " WHERE workflow_id = ?2 RETURNING doc",
                (status.value, workflow_id),
            ).fetchone()
        if row is None:
            raise WorkflowNotFound(workflow_id)
        return codec.from_json(Workflow, row[0])

    def record_workflow_executions(self, workflow_id: str, count: int, at: datetime) -> None:
        with self._locked() as db:
            changed = db.execute(
                "UPDATE workflows SET doc = json_set(doc,"
                " '$.execution_count', json_extract(doc, '$.execution_count') + ?1,"
                " '$.last_executed_at', ?2) WHERE workflow_id = ?3",
                (count, _t(at), workflow_id),
            ).rowcount
        if not changed:
            raise WorkflowNotFound(workflow_id)

    # --- emails ----------------------------------------------------------------------------
    def insert_email(self, email: Email) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO emails (email_id, mailbox, message_id, doc) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (message_id, mailbox) DO NOTHING",
                (email.email_id, email.mailbox, email.message_id, codec.to_json(email)),
            ).rowcount
        return inserted == 1

    def get_email(self, email_id: str) -> Email | None:
        return self._one(Email, "SELECT doc FROM emails WHERE email_id = ?", email_id)

    def find_email_by_message_id(self, message_id: str) -> Email | None:
        return self._one(
            Email,
            "SELECT doc FROM emails WHERE message_id = ? ORDER BY mailbox LIMIT 1",
            message_id,
        )

    def count_emails(self) -> int:
        return self._count("SELECT COUNT(*) FROM emails")

    # --- executions ------------------------------------------------------------------------
    def create_execution(self, execution: ExecutionLog) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                _EXECUTION_INSERT + " ON CONFLICT (workflow_id, email_id)"
                " WHERE email_id IS NOT NULL DO NOTHING",
                _execution_row(execution),
            ).rowcount
        return inserted == 1

    def get_execution(self, execution_id: str) -> ExecutionLog | None:
        return self._one(
            ExecutionLog, "SELECT doc FROM executions WHERE execution_id = ?", execution_id
        )

    def get_control_request(self, execution_id: str) -> str | None:
        with self._locked() as db:
            row = db.execute(
                "SELECT control_request FROM executions WHERE execution_id = ?", (execution_id,)
            ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def list_executions(
        self,
        *,
        workflow_id: str | None = None,
        statuses: Sequence[ExecutionStatus] | None = None,
        category: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[ExecutionLog]:
        where = (
            self._execution_filter(workflow_id=workflow_id, statuses=statuses)
            .add_if(category, "category = ?")
            .add_if(_t_opt(since), "created_at >= ?")
        )
        with self._locked() as db:
            rows = db.execute(
                f"SELECT doc FROM executions WHERE {where.sql}"
                " ORDER BY created_at DESC, execution_id DESC LIMIT ?",
                [*where.params, max(limit, 0)],
            ).fetchall()
        return [codec.from_json(ExecutionLog, doc) for (doc,) in rows]

    @staticmethod
    def _execution_filter(
        *, workflow_id: str | None = None, statuses: Iterable[ExecutionStatus] | None = None
    ) -> _Where:
        where = _Where().add_if(workflow_id, "workflow_id = ?")
        if statuses is not None:
            where.add_in("status", [ExecutionStatus(s).value for s in statuses])
        return where

    def count_executions_by_status(self, workflow_id: str | None = None) -> dict[str, int]:
        where = _Where().add_if(workflow_id, "workflow_id = ?")
        with self._locked() as db:
            rows = db.execute(
                f"SELECT status, SUM(count) FROM execution_counts WHERE {where.sql}"
                " GROUP BY status HAVING SUM(count) > 0",
                where.params,
            ).fetchall()
        return {status: int(count) for status, count in rows}

    def claim_execution(
        self, owner: str, lease_until: datetime, now: datetime
    ) -> ExecutionLog | None:
        # One statement (atomic on its own) that patches the stored document in place and
        # returns it: no decode, re-encode and second statement per claim. In SET every
        # expression reads the row as it was, so ``attempt + 1`` is the new attempt.
        with self._locked() as db:
            row = db.execute(
                "UPDATE executions SET status = 'running', owner = :owner,"
                " attempt = attempt + 1, lease_until = :lease_until,"
                " doc = json_set(doc, '$.status', 'running', '$.owner', :owner,"
                " '$.attempt', attempt + 1, '$.lease_until', :lease_until, '$.updated_at', :now,"
                " '$.started_at', coalesce(json_extract(doc, '$.started_at'), :now))"
                " WHERE execution_id = (SELECT execution_id FROM executions"
                " WHERE status = 'pending' AND control_request IS NULL"
                " ORDER BY created_at, execution_id LIMIT 1)"
                " RETURNING doc",
                {"owner": owner, "lease_until": _t(lease_until), "now": _t(now)},
            ).fetchone()
        return None if row is None else codec.from_json(ExecutionLog, row[0])

    def write_execution(
        self,
        execution: ExecutionLog,
        *,
        owner: str,
        attempt: int,
        rollups: Sequence[RollupIncrement] = (),
    ) -> bool:
        row = {**_execution_row(execution), "fence_owner": owner, "fence_attempt": attempt}
        fenced_update = (
            f"UPDATE executions SET {_EXECUTION_FENCED_SET} WHERE execution_id ="
            " :execution_id AND owner = :fence_owner AND attempt = :fence_attempt"
        )
        if not rollups:
            with self._locked() as db:  # one statement: atomic on its own
                return bool(db.execute(fenced_update, row).rowcount == 1)
        with self._write() as db:
            if db.execute(fenced_update, row).rowcount != 1:
                return False
            self._add_rollups(db, rollups)
        return True

    def renew_lease(
        self, execution_id: str, *, owner: str, attempt: int, lease_until: datetime
    ) -> bool:
        with self._locked() as db:
            renewed = db.execute(
                "UPDATE executions SET lease_until = ?1,"
                " doc = json_set(doc, '$.lease_until', ?1)"
                " WHERE execution_id = ?2 AND owner = ?3 AND attempt = ?4 AND status = 'running'",
                (_t(lease_until), execution_id, owner, attempt),
            ).rowcount
        return renewed == 1

    def update_execution_if(
        self,
        execution_id: str,
        *,
        statuses: Iterable[ExecutionStatus],
        changes: dict[str, Any],
    ) -> ExecutionLog | None:
        update = codec.validated_changes(ExecutionLog, changes, key="execution_id")
        update["updated_at"] = utcnow()
        where = self._execution_filter(statuses=statuses).add("execution_id = ?", execution_id)
        with self._write() as db:
            row = db.execute(
                f"SELECT doc FROM executions WHERE {where.sql}", where.params
            ).fetchone()
            if row is None:
                return None
            updated = codec.normalized(
                codec.from_json(ExecutionLog, row[0]).model_copy(update=update)
            )
            db.execute(
                f"UPDATE executions SET {_EXECUTION_SET} WHERE execution_id = :execution_id",
                _execution_row(updated),
            )
        return updated

    def update_executions_where(
        self, workflow_id: str, statuses: Iterable[ExecutionStatus], changes: dict[str, Any]
    ) -> int:
        update = codec.validated_changes(ExecutionLog, changes, key="execution_id")
        update["updated_at"] = utcnow()
        where = self._execution_filter(workflow_id=workflow_id, statuses=statuses)
        count = 0
        with self._write() as db:
            rows = db.execute(f"SELECT doc FROM executions WHERE {where.sql}", where.params)
            for (doc,) in rows.fetchall():
                updated = codec.normalized(
                    codec.from_json(ExecutionLog, doc).model_copy(update=update)
                )
                db.execute(
                    f"UPDATE executions SET {_EXECUTION_SET} WHERE execution_id = :execution_id",
                    _execution_row(updated),
                )
                count += 1
        return count

    def release_expired_leases(self, now: datetime) -> int:
        with self._write() as db:
            rows = db.execute(
                "SELECT doc FROM executions WHERE status = 'running' AND lease_until < ?",
                (_t(now),),
            ).fetchall()
            for (doc,) in rows:
                released = codec.from_json(ExecutionLog, doc).model_copy(
                    update={
                        "status": ExecutionStatus.PENDING,
                        "owner": None,
                        "lease_until": None,
                        "updated_at": now,
                    }
                )
                db.execute(
                    f"UPDATE executions SET {_EXECUTION_SET} WHERE execution_id = :execution_id",
                    _execution_row(released),
                )
        return len(rows)

    def node_status_counts(self, workflow_id: str, since: datetime) -> list[NodeStatusCount]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT json_extract(run.value, '$.node_id') AS node_id,"
                " json_extract(run.value, '$.status') AS node_status, COUNT(*)"
                " FROM executions, json_each(executions.doc, '$.node_executions') AS run"
                " WHERE workflow_id = ? AND created_at >= ?"
                " AND NOT (json_extract(run.value, '$.status') = 'waiting'"
                " AND json_extract(run.value, '$.started_at') IS NULL)"
                " GROUP BY node_id, node_status ORDER BY node_id, node_status",
                (workflow_id, _t(since)),
            ).fetchall()
        return [
            NodeStatusCount(node_id=node_id, status=NodeStatus(status), count=count)
            for node_id, status, count in rows
        ]

    # --- approvals -------------------------------------------------------------------------
    def create_approval(self, approval: Approval) -> Approval:
        stored = codec.normalized(approval)
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO approvals (approval_id, execution_id, node_id, status,"
                " priority_rank, created_at, doc) VALUES (:approval_id, :execution_id,"
                " :node_id, :status, :priority_rank, :created_at, :doc)"
                " ON CONFLICT (execution_id, node_id) DO NOTHING",
                _approval_row(stored),
            ).rowcount
        if inserted == 1:
            return stored
        existing = self.find_approval(approval.execution_id, approval.node_id)
        assert existing is not None  # approvals are never deleted
        return existing

    def get_approval(self, approval_id: str) -> Approval | None:
        return self._one(Approval, "SELECT doc FROM approvals WHERE approval_id = ?", approval_id)

    def find_approval(self, execution_id: str, node_id: str) -> Approval | None:
        return self._one(
            Approval,
            "SELECT doc FROM approvals WHERE execution_id = ? AND node_id = ?",
            execution_id,
            node_id,
        )

    def list_approvals(
        self, status: ApprovalStatus | None = ApprovalStatus.PENDING, limit: int = 100
    ) -> list[Approval]:
        where = _Where().add_if(_value(status), "status = ?")
        with self._locked() as db:
            rows = db.execute(
                f"SELECT doc FROM approvals WHERE {where.sql}"
                " ORDER BY priority_rank, created_at, approval_id LIMIT ?",
                [*where.params, max(limit, 0)],
            ).fetchall()
        return [codec.from_json(Approval, doc) for (doc,) in rows]

    def count_approvals(self, status: ApprovalStatus | None = None) -> int:
        where = _Where().add_if(_value(status), "status = ?")
        return self._count(f"SELECT COUNT(*) FROM approvals WHERE {where.sql}", *where.params)

    def decide_approval(self, approval: Approval) -> bool:
        codec.require_decided(approval)
        with self._locked() as db:
            written = db.execute(
                "UPDATE approvals SET execution_id = :execution_id, node_id = :node_id,"
                " status = :status, priority_rank = :priority_rank, created_at = :created_at,"
                " doc = :doc WHERE approval_id = :approval_id AND status = 'pending'",
                _approval_row(approval),
            ).rowcount
        return written == 1

    def update_pending_approval(self, approval: Approval) -> bool:
        codec.require_pending(approval)
        with self._locked() as db:
            written = db.execute(
                "UPDATE approvals SET priority_rank = :priority_rank, doc = :doc"
                " WHERE approval_id = :approval_id AND execution_id = :execution_id"
                " AND node_id = :node_id AND status = 'pending'",
                _approval_row(approval),
            ).rowcount
        return written == 1

    def list_due_escalations(self, now: datetime, limit: int = 100) -> list[Approval]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT doc FROM approvals WHERE status = 'pending'"
                " AND json_extract(doc, '$.escalate_at') IS NOT NULL"
                " AND json_extract(doc, '$.escalated_at') IS NULL"
                " ORDER BY created_at, approval_id"
            ).fetchall()
        pending = (codec.from_json(Approval, doc) for (doc,) in rows)
        due = [a for a in pending if a.escalate_at is not None and a.escalate_at <= now]
        return due[: max(0, limit)]

    def mark_escalated(self, approval: Approval) -> bool:
        if approval.escalated_at is None:
            raise ValueError("mark_escalated needs escalated_at")
        with self._locked() as db:
            written = db.execute(
                "UPDATE approvals SET doc = :doc WHERE approval_id = :approval_id"
                " AND status = 'pending' AND json_extract(doc, '$.escalated_at') IS NULL",
                _approval_row(approval),
            ).rowcount
        return written == 1

    # --- outbox ----------------------------------------------------------------------------
    def reserve_outbox(self, message: OutboxMessage) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO outbox (idempotency_key, kind, status, created_at, doc)"
                " VALUES (:idempotency_key, :kind, :status, :created_at, :doc)"
                " ON CONFLICT (idempotency_key) DO NOTHING",
                _outbox_row(message),
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
            marked = codec.from_json(OutboxMessage, row[0]).model_copy(
                update={
                    "status": status,
                    "provider_message_id": provider_message_id,
                    "sent_at": sent_at,
                    "error": error,
                }
            )
            db.execute(
                "UPDATE outbox SET status = :status, doc = :doc"
                " WHERE idempotency_key = :idempotency_key",
                _outbox_row(marked),
            )

    def list_outbox(self, kind: OutboxKind | None = None, limit: int = 100) -> list[OutboxMessage]:
        where = _Where().add_if(_value(kind), "kind = ?")
        with self._locked() as db:
            rows = db.execute(
                f"SELECT doc FROM outbox WHERE {where.sql}"
                " ORDER BY created_at DESC, idempotency_key DESC LIMIT ?",
                [*where.params, max(limit, 0)],
            ).fetchall()
        return [codec.from_json(OutboxMessage, doc) for (doc,) in rows]

    def count_outbox(
        self, kind: OutboxKind | None = None, status: OutboxStatus | None = None
    ) -> int:
        where = _Where().add_if(_value(kind), "kind = ?").add_if(_value(status), "status = ?")
        return self._count(f"SELECT COUNT(*) FROM outbox WHERE {where.sql}", *where.params)

    # --- rollups ---------------------------------------------------------------------------
    def increment_rollups(self, increments: Sequence[RollupIncrement]) -> None:
        if not increments:
            return
        with self._write() as db:
            self._add_rollups(db, increments)

    @staticmethod
    def _add_rollups(db: sqlite3.Connection, increments: Sequence[RollupIncrement]) -> None:
        db.executemany(
            "INSERT INTO rollups (bucket, metric, key, count, total) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (bucket, metric, key) DO UPDATE SET"
            " count = count + excluded.count, total = total + excluded.total",
            [(_t(i.bucket), i.metric, i.key, i.count, i.total) for i in increments],
        )

    def query_rollups(
        self, metric: str, since: datetime, until: datetime | None = None
    ) -> list[RollupRow]:
        where = (
            _Where()
            .add("metric = ?", metric)
            .add("bucket >= ?", _t(since))
            .add_if(_t_opt(until), "bucket < ?")
        )
        with self._locked() as db:
            rows = db.execute(
                "SELECT bucket, metric, key, count, total FROM rollups"
                f" WHERE {where.sql} ORDER BY bucket, key",
                where.params,
            ).fetchall()
        return [
            RollupRow(bucket=datetime.fromisoformat(bucket), metric=m, key=k, count=c, total=t)
            for bucket, m, k, c, t in rows
        ]

    def replace_rollups(
        self,
        metrics: Sequence[str],
        since: datetime,
        until: datetime,
        increments: Sequence[RollupIncrement],
    ) -> int:
        rows = sum_rollup_increments(metrics, since, until, increments)
        marks = ", ".join("?" for _ in metrics)
        with self._write() as db:
            db.execute(
                f"DELETE FROM rollups WHERE metric IN ({marks}) AND bucket >= ? AND bucket < ?",
                (*metrics, _t(since), _t(until)),
            )
            db.executemany(
                "INSERT INTO rollups (bucket, metric, key, count, total) VALUES (?, ?, ?, ?, ?)",
                [(_t(b), m, k, c, t) for (b, m, k), (c, t) in rows.items()],
            )
        return len(rows)

    # --- cursors, leases, workers, audit ----------------------------------------------------
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

    def acquire_lease(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        with self._locked() as db:
            taken = db.execute(
                "INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until"
                " WHERE leases.until < ? OR leases.owner = excluded.owner",
                (name, owner, _t(until), _t(now)),
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
                (worker.worker_id, _t(worker.heartbeat_at), codec.to_json(worker)),
            )

    def remove_worker(self, worker_id: str) -> None:
        with self._locked() as db:
            db.execute("DELETE FROM workers WHERE worker_id = ?", (worker_id,))

    def list_workers(self, alive_since: datetime | None = None) -> list[WorkerInfo]:
        where = _Where().add_if(_t_opt(alive_since), "heartbeat_at >= ?")
        with self._locked() as db:
            rows = db.execute(
                f"SELECT doc FROM workers WHERE {where.sql} ORDER BY worker_id", where.params
            ).fetchall()
        return [codec.from_json(WorkerInfo, doc) for (doc,) in rows]

    def append_audit(self, entry: AuditEntry) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT INTO audit (audit_id, at, doc) VALUES (?, ?, ?)",
                (entry.audit_id, _t(entry.at), codec.to_json(entry)),
            )

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT doc FROM audit ORDER BY at DESC, seq DESC LIMIT ?", (max(limit, 0),)
            ).fetchall()
        return [codec.from_json(AuditEntry, doc) for (doc,) in rows]

    # --- AI (issue 4): agents' category corrections -----------------------------------------
    def save_correction(self, correction: CategoryCorrection) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT INTO ai_corrections (approval_id, corrected_at, doc) VALUES (?, ?, ?)"
                " ON CONFLICT (approval_id) DO UPDATE SET"
                " corrected_at = excluded.corrected_at, doc = excluded.doc",
                (correction.approval_id, _t(correction.corrected_at), codec.to_json(correction)),
            )

    def list_corrections(self, limit: int = 10_000) -> list[CategoryCorrection]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT doc FROM ai_corrections ORDER BY corrected_at, approval_id LIMIT ?",
                (max(limit, 0),),
            ).fetchall()
        return [codec.from_json(CategoryCorrection, doc) for (doc,) in rows]

    # --- helpers ---------------------------------------------------------------------------
    def _one(self, model: type[ModelT], sql: str, *params: Any) -> ModelT | None:
        with self._locked() as db:
            row = db.execute(sql, params).fetchone()
        return None if row is None else codec.from_json(model, row[0])

    def _count(self, sql: str, *params: Any) -> int:
        with self._locked() as db:
            row = db.execute(sql, params).fetchone()
        return int(row[0])

    # --- real mailboxes (issue 5): quarantine, thread fallback, source health ---------------
    def quarantine_message(self, item: QuarantinedMessage) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO quarantine (quarantine_key, received_at, doc) VALUES (?, ?, ?)"
                " ON CONFLICT (quarantine_key) DO NOTHING",
                (item.quarantine_key, _t(item.received_at), codec.to_json(item)),
            ).rowcount
        return inserted == 1

    def list_quarantine(self, limit: int = 100) -> list[QuarantinedMessage]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT doc FROM quarantine ORDER BY received_at DESC, quarantine_key LIMIT ?",
                (max(limit, 0),),
            ).fetchall()
        return [codec.from_json(QuarantinedMessage, doc) for (doc,) in rows]

    def count_quarantine(self) -> int:
        return self._count("SELECT COUNT(*) FROM quarantine")

    def find_thread_by_key(self, mailbox: str, thread_key: str, since: datetime) -> Email | None:
        keys = codec.lookup_values(Email, "thread_key", thread_key)
        return self._one(
            Email,
            "SELECT doc FROM emails WHERE mailbox = ?"
            f" AND json_extract(doc, '$.thread_key') IN ({', '.join('?' for _ in keys)})"
            " AND json_extract(doc, '$.received_at') >= ?"
            " ORDER BY json_extract(doc, '$.received_at') DESC LIMIT 1",
            mailbox,
            *keys,
            _t(since),
        )

    def merge_threads(self, source_thread_id: str, target_thread_id: str) -> int:
        with self._locked() as db:
            moved = db.execute(
                "UPDATE emails SET doc = json_set(doc, '$.thread_id', ?)"
                " WHERE json_extract(doc, '$.thread_id') = ?",
                (target_thread_id, source_thread_id),
            ).rowcount
        return int(moved)

    def save_source_health(self, health: SourceHealth) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT INTO source_health (source_key, doc) VALUES (?, ?)"
                " ON CONFLICT (source_key) DO UPDATE SET doc = excluded.doc",
                (health.source_key, codec.to_json(health)),
            )

    def get_source_health(self, source_key: str) -> SourceHealth | None:
        return self._one(
            SourceHealth, "SELECT doc FROM source_health WHERE source_key = ?", source_key
        )

    def list_source_health(self) -> list[SourceHealth]:
        with self._locked() as db:
            rows = db.execute("SELECT doc FROM source_health ORDER BY source_key").fetchall()
        return [codec.from_json(SourceHealth, doc) for (doc,) in rows]

    def find_email_in_mailbox(self, mailbox: str, message_id: str) -> Email | None:
        return self._one(
            Email,
            "SELECT doc FROM emails WHERE message_id = ? AND mailbox = ?",
            message_id,
            mailbox,
        )

    # --- data protection (issue 8): key rotation, privacy, retention ------------------------
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
                    if codec.needs_reseal(model_type, stored):
                        new = codec.json_text(codec.reseal_document(model_type, stored))
                        changes.append((new, row_key, doc))
                with self._write() as db:
                    for change in changes:
                        # Only if unchanged since read: a concurrent write is never undone.
                        rewritten[table] += db.execute(
                            f"UPDATE {table} SET doc = ? WHERE {key} = ? AND doc = ?", change
                        ).rowcount
        return rewritten

    def find_customer(self, address: str) -> CustomerRecords:
        senders = codec.lookup_values(Email, "from_address", address)
        with self._locked() as db:
            email_rows = db.execute(
                "SELECT doc FROM emails WHERE json_extract(doc, '$.from_address')"
                f" IN ({_marks(senders)}) OR lower(json_extract(doc, '$.from_address')) = ?",
                [*senders, address.strip().lower()],
            ).fetchall()
            emails = [codec.from_json(Email, doc) for (doc,) in email_rows]
            ids = [email.email_id for email in emails]

            def linked(table: str, model_type: type[ModelT], column: str) -> list[ModelT]:
                rows = db.execute(
                    f"SELECT doc FROM {table} WHERE {column} IN ({_marks(ids)})", ids
                ).fetchall()
                return [codec.from_json(model_type, doc) for (doc,) in rows]

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
                f" IN ({_marks(targets)}) ORDER BY seq",
                targets,
            ).fetchall()
        records.audit = [codec.from_json(AuditEntry, doc) for (doc,) in audit_rows]
        return records

    def erase_customer(self, erased: CustomerRecords, removed: CustomerRecords) -> None:
        with self._write() as db:
            for email in erased.emails:
                db.execute(
                    "UPDATE emails SET doc = ? WHERE email_id = ?",
                    (codec.to_json(email), email.email_id),
                )
            for execution in erased.executions:
                db.execute(
                    f"UPDATE executions SET {_EXECUTION_SET} WHERE execution_id = :execution_id",
                    _execution_row(execution),
                )
            for approval in erased.approvals:
                db.execute(
                    "UPDATE approvals SET status = :status, priority_rank = :priority_rank,"
                    " doc = :doc WHERE approval_id = :approval_id",
                    _approval_row(approval),
                )
            for message in erased.outbox:
                db.execute(
                    "UPDATE outbox SET status = :status, doc = :doc"
                    " WHERE idempotency_key = :idempotency_key",
                    _outbox_row(message),
                )
            for entry in erased.audit:
                db.execute(
                    "UPDATE audit SET doc = ? WHERE audit_id = ?",
                    (codec.to_json(entry), entry.audit_id),
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
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def delete_expired(self, collection: str, before: datetime) -> int:
        condition = _EXPIRED.get(collection)
        if condition is None:
            raise ValueError(f"no retention for {collection!r}; use one of {', '.join(_EXPIRED)}")
        with self._locked() as db:
            return int(
                db.execute(f"DELETE FROM {collection} WHERE {condition}", (_t(before),)).rowcount
            )
