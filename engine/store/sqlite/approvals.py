"""Approvals on SQLite (unique on execution and node; the queue index orders by urgency) and
agents' category corrections in ``ai_corrections``, one per approval."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.encryption import FieldCipher
from engine.models import Approval, ApprovalStatus, CategoryCorrection
from engine.store import _codec as codec
from engine.store.ports.approvals import ApprovalStore
from engine.store.sqlite.connection import SQLiteDatabase, Where, t, value_of


def approval_row(approval: Approval, cipher: FieldCipher | None) -> dict[str, Any]:
    """The named parameters of the approvals table's statements for ``approval``."""
    return {
        "approval_id": approval.approval_id,
        "execution_id": approval.execution_id,
        "node_id": approval.node_id,
        "status": approval.status.value,
        "priority_rank": approval.priority_rank,
        "created_at": t(approval.created_at),
        "doc": codec.to_json(approval, cipher),
    }


class SQLiteApprovalStore(SQLiteDatabase, ApprovalStore):
    def create_approval(self, approval: Approval) -> Approval:
        stored = codec.normalized(approval)
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO approvals (approval_id, execution_id, node_id, status,"
                " priority_rank, created_at, doc) VALUES (:approval_id, :execution_id,"
                " :node_id, :status, :priority_rank, :created_at, :doc)"
                " ON CONFLICT (execution_id, node_id) DO NOTHING",
                approval_row(stored, self.cipher),
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
        where = Where().add_if(value_of(status), "status = ?")
        return self._all(
            Approval,
            f"SELECT doc FROM approvals WHERE {where.sql}"
            " ORDER BY priority_rank, created_at, approval_id LIMIT ?",
            *where.params,
            max(limit, 0),
        )

    def count_approvals(self, status: ApprovalStatus | None = None) -> int:
        where = Where().add_if(value_of(status), "status = ?")
        return self._count(f"SELECT COUNT(*) FROM approvals WHERE {where.sql}", *where.params)

    def decide_approval(self, approval: Approval) -> bool:
        codec.require_decided(approval)
        with self._locked() as db:
            written = db.execute(
                "UPDATE approvals SET execution_id = :execution_id, node_id = :node_id,"
                " status = :status, priority_rank = :priority_rank, created_at = :created_at,"
                " doc = :doc WHERE approval_id = :approval_id AND status = 'pending'",
                approval_row(approval, self.cipher),
            ).rowcount
        return written == 1

    def update_pending_approval(self, approval: Approval) -> bool:
        codec.require_pending(approval)
        with self._locked() as db:
            written = db.execute(
                "UPDATE approvals SET priority_rank = :priority_rank, doc = :doc"
                " WHERE approval_id = :approval_id AND execution_id = :execution_id"
                " AND node_id = :node_id AND status = 'pending'",
                approval_row(approval, self.cipher),
            ).rowcount
        return written == 1

    def list_due_escalations(self, now: datetime, limit: int = 100) -> list[Approval]:
        pending = self._all(
            Approval,
            "SELECT doc FROM approvals WHERE status = 'pending'"
            " AND json_extract(doc, '$.escalate_at') IS NOT NULL"
            " AND json_extract(doc, '$.escalated_at') IS NULL"
            " ORDER BY created_at, approval_id",
        )
        due = [a for a in pending if a.escalate_at is not None and a.escalate_at <= now]
        return due[: max(0, limit)]

    def mark_escalated(self, approval: Approval) -> bool:
        if approval.escalated_at is None:
            raise ValueError("mark_escalated needs escalated_at")
        with self._locked() as db:
            written = db.execute(
                "UPDATE approvals SET doc = :doc WHERE approval_id = :approval_id"
                " AND status = 'pending' AND json_extract(doc, '$.escalated_at') IS NULL",
                approval_row(approval, self.cipher),
            ).rowcount
        return written == 1

    def save_correction(self, correction: CategoryCorrection) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT INTO ai_corrections (approval_id, corrected_at, doc) VALUES (?, ?, ?)"
                " ON CONFLICT (approval_id) DO UPDATE SET"
                " corrected_at = excluded.corrected_at, doc = excluded.doc",
                (correction.approval_id, t(correction.corrected_at), self._dump(correction)),
            )

    def list_corrections(self, limit: int = 10_000) -> list[CategoryCorrection]:
        return self._all(
            CategoryCorrection,
            "SELECT doc FROM ai_corrections ORDER BY corrected_at, approval_id LIMIT ?",
            max(limit, 0),
        )
