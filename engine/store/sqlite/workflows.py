"""Workflows on SQLite: the current version in ``workflows``, every version in
``workflow_versions``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.models import Workflow, WorkflowStatus, utcnow
from engine.store import _codec as codec
from engine.store.errors import WorkflowNotFound
from engine.store.ports.workflows import WorkflowStore
from engine.store.sqlite.connection import SQLiteDatabase, Where, t


class SQLiteWorkflowStore(SQLiteDatabase, WorkflowStore):
    def _workflow_row(self, workflow: Workflow) -> dict[str, Any]:
        return {
            "workflow_id": workflow.workflow_id,
            "name": workflow.name,
            "status": workflow.status.value,
            "version": workflow.version,
            "doc": self._dump(workflow),
        }

    def save_workflow(self, workflow: Workflow) -> Workflow:
        now = utcnow()
        with self._write() as db:
            row = db.execute(
                "SELECT doc FROM workflows WHERE workflow_id = ?", (workflow.workflow_id,)
            ).fetchone()
            previous = None if row is None else self._load(Workflow, row[0])
            version = 1 if previous is None else previous.version + 1
            stored = codec.next_workflow(workflow, previous, version, now)
            values = self._workflow_row(stored)
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
        return self._load(Workflow, row[1])

    def list_workflows(self, status: WorkflowStatus | None = None) -> list[Workflow]:
        where = Where() if status is None else Where().add_in("status", status.stored_as())
        return self._all(
            Workflow,
            f"SELECT doc FROM workflows WHERE {where.sql} ORDER BY name, workflow_id",
            *where.params,
        )

    def set_workflow_status(self, workflow_id: str, status: WorkflowStatus) -> Workflow:
        with self._locked() as db:
            row = db.execute(
                "UPDATE workflows SET status = ?1, doc = json_set(doc, '$.status', ?1)"
                " WHERE workflow_id = ?2 RETURNING doc",
                (status.value, workflow_id),
            ).fetchone()
        if row is None:
            raise WorkflowNotFound(workflow_id)
        return self._load(Workflow, row[0])

    def record_workflow_executions(self, workflow_id: str, count: int, at: datetime) -> None:
        with self._locked() as db:
            changed = db.execute(
                "UPDATE workflows SET doc = json_set(doc,"
                " '$.execution_count', json_extract(doc, '$.execution_count') + ?1,"
                " '$.last_executed_at', ?2) WHERE workflow_id = ?3",
                (count, t(at), workflow_id),
            ).rowcount
        if not changed:
            raise WorkflowNotFound(workflow_id)
