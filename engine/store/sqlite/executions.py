"""Executions on SQLite: the document plus the columns claims, fencing and the lists filter on.

``execution_counts`` is kept per (workflow, status) by triggers (migration 4), so counting by
status reads a handful of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from engine.encryption import FieldCipher
from engine.models import (
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    NodeStatusCount,
    RollupIncrement,
    utcnow,
)
from engine.store import _codec as codec
from engine.store.ports.executions import ExecutionStore
from engine.store.sqlite.connection import SQLiteDatabase, Where, t, t_opt
from engine.store.sqlite.rollups import add_rollups

_COLUMNS = (
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
# The expression of the executions_updated index (migration 5): the stored fixed-width time.
_UPDATED_AT = "json_extract(doc, '$.updated_at')"
_INSERT = (
    f"INSERT INTO executions ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in _COLUMNS)})"
)
EXECUTION_UPDATE = (
    "UPDATE executions SET "
    + ", ".join(f"{c} = :{c}" for c in _COLUMNS if c != "execution_id")
    + " WHERE execution_id = :execution_id"
)
# The stored control_request survives a worker's fenced write (see Store.write_execution).
# When neither side has one (nearly always) the document goes in as written: json_set would
# parse and rewrite all of it to set the null it already holds.
_FENCED_UPDATE = (
    "UPDATE executions SET "
    + ", ".join(
        [f"{c} = :{c}" for c in _COLUMNS if c not in {"execution_id", "control_request", "doc"}]
        + [
            "doc = CASE WHEN control_request IS NULL AND :control_request IS NULL THEN :doc"
            " ELSE json_set(:doc, '$.control_request', control_request) END"
        ]
    )
    + " WHERE execution_id = :execution_id AND owner = :fence_owner"
    " AND attempt = :fence_attempt"
)


def execution_row(execution: ExecutionLog, cipher: FieldCipher | None) -> dict[str, Any]:
    """The parameters of ``_INSERT`` and ``EXECUTION_UPDATE`` for ``execution``."""
    return {
        "execution_id": execution.execution_id,
        "workflow_id": execution.workflow_id,
        "email_id": execution.email_id,
        "status": execution.status.value,
        "owner": execution.owner,
        "attempt": execution.attempt,
        "lease_until": t_opt(execution.lease_until),
        "created_at": t(execution.created_at),
        "category": execution.category,
        "control_request": execution.control_request,
        "doc": codec.to_json(execution, cipher),
    }


def _filter(
    *, workflow_id: str | None = None, statuses: Iterable[ExecutionStatus] | None = None
) -> Where:
    where = Where().add_if(workflow_id, "workflow_id = ?")
    if statuses is not None:
        where.add_in("status", [ExecutionStatus(s).value for s in statuses])
    return where


class SQLiteExecutionStore(SQLiteDatabase, ExecutionStore):
    def create_execution(self, execution: ExecutionLog) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                _INSERT + " ON CONFLICT (workflow_id, email_id) WHERE email_id IS NOT NULL"
                " DO NOTHING",
                execution_row(execution, self.cipher),
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
        before: tuple[datetime, str] | None = None,
    ) -> list[ExecutionLog]:
        where = (
            _filter(workflow_id=workflow_id, statuses=statuses)
            .add_if(category, "category = ?")
            .add_if(t_opt(since), "created_at >= ?")
        )
        if before is not None:
            where.add("(created_at, execution_id) < (?, ?)", t(before[0]), before[1])
        return self._all(
            ExecutionLog,
            f"SELECT doc FROM executions WHERE {where.sql}"
            " ORDER BY created_at DESC, execution_id DESC LIMIT ?",
            *where.params,
            max(limit, 0),
        )

    def list_executions_changed(
        self, since: datetime, workflow_id: str | None = None, limit: int = 100
    ) -> list[ExecutionLog]:
        where = Where().add(f"{_UPDATED_AT} >= ?", t(since)).add_if(workflow_id, "workflow_id = ?")
        return self._all(
            ExecutionLog,
            f"SELECT doc FROM executions WHERE {where.sql}"
            f" ORDER BY {_UPDATED_AT}, execution_id LIMIT ?",
            *where.params,
            max(limit, 0),
        )

    def count_executions_by_status(self, workflow_id: str | None = None) -> dict[str, int]:
        where = Where().add_if(workflow_id, "workflow_id = ?")
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
        claimed = self.claim_executions(owner, lease_until, now, 1)
        return claimed[0] if claimed else None

    def claim_executions(
        self, owner: str, lease_until: datetime, now: datetime, limit: int
    ) -> list[ExecutionLog]:
        # One statement (atomic on its own) that patches the stored documents in place and
        # returns them: no decode, re-encode and second statement per claim, one commit for
        # all. In SET every expression reads the row as it was, so ``attempt + 1`` is the
        # new attempt.
        with self._locked() as db:
            rows = db.execute(
                "UPDATE executions SET status = 'running', owner = :owner,"
                " attempt = attempt + 1, lease_until = :lease_until,"
                " doc = json_set(doc, '$.status', 'running', '$.owner', :owner,"
                " '$.attempt', attempt + 1, '$.lease_until', :lease_until, '$.updated_at', :now,"
                " '$.started_at', coalesce(json_extract(doc, '$.started_at'), :now))"
                " WHERE execution_id IN (SELECT execution_id FROM executions"
                " WHERE status = 'pending' AND control_request IS NULL"
                " ORDER BY created_at, execution_id LIMIT :limit)"
                " RETURNING doc",
                {"owner": owner, "lease_until": t(lease_until), "now": t(now), "limit": limit},
            ).fetchall()
        claimed = [self._load(ExecutionLog, doc) for (doc,) in rows]
        # RETURNING follows no ORDER BY: put them back in the order they were chosen.
        claimed.sort(key=lambda execution: (execution.created_at, execution.execution_id))
        return claimed

    def write_execution(
        self,
        execution: ExecutionLog,
        *,
        owner: str,
        attempt: int,
        rollups: Sequence[RollupIncrement] = (),
    ) -> bool:
        row = {
            **execution_row(execution, self.cipher),
            "fence_owner": owner,
            "fence_attempt": attempt,
        }
        if not rollups:
            with self._locked() as db:  # one statement: atomic on its own
                return bool(db.execute(_FENCED_UPDATE, row).rowcount == 1)
        with self._write() as db:
            if db.execute(_FENCED_UPDATE, row).rowcount != 1:
                return False
            add_rollups(db, rollups)
        return True

    def renew_lease(
        self, execution_id: str, *, owner: str, attempt: int, lease_until: datetime
    ) -> bool:
        with self._locked() as db:
            renewed = db.execute(
                "UPDATE executions SET lease_until = ?1,"
                " doc = json_set(doc, '$.lease_until', ?1)"
                " WHERE execution_id = ?2 AND owner = ?3 AND attempt = ?4 AND status = 'running'",
                (t(lease_until), execution_id, owner, attempt),
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
        where = _filter(statuses=statuses).add("execution_id = ?", execution_id)
        with self._write() as db:
            row = db.execute(
                f"SELECT doc FROM executions WHERE {where.sql}", where.params
            ).fetchone()
            if row is None:
                return None
            updated = codec.normalized(self._load(ExecutionLog, row[0]).model_copy(update=update))
            db.execute(EXECUTION_UPDATE, execution_row(updated, self.cipher))
        return updated

    def update_executions_where(
        self, workflow_id: str, statuses: Iterable[ExecutionStatus], changes: dict[str, Any]
    ) -> int:
        update = codec.validated_changes(ExecutionLog, changes, key="execution_id")
        update["updated_at"] = utcnow()
        where = _filter(workflow_id=workflow_id, statuses=statuses)
        count = 0
        with self._write() as db:
            rows = db.execute(f"SELECT doc FROM executions WHERE {where.sql}", where.params)
            for (doc,) in rows.fetchall():
                updated = codec.normalized(self._load(ExecutionLog, doc).model_copy(update=update))
                db.execute(EXECUTION_UPDATE, execution_row(updated, self.cipher))
                count += 1
        return count

    def release_expired_leases(self, now: datetime) -> int:
        with self._write() as db:
            rows = db.execute(
                "SELECT doc FROM executions WHERE status = 'running' AND lease_until < ?",
                (t(now),),
            ).fetchall()
            for (doc,) in rows:
                released = self._load(ExecutionLog, doc).model_copy(
                    update={
                        "status": ExecutionStatus.PENDING,
                        "owner": None,
                        "lease_until": None,
                        "updated_at": now,
                    }
                )
                db.execute(EXECUTION_UPDATE, execution_row(released, self.cipher))
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
                (workflow_id, t(since)),
            ).fetchall()
        return [
            NodeStatusCount(node_id=node_id, status=NodeStatus(status), count=count)
            for node_id, status, count in rows
        ]
