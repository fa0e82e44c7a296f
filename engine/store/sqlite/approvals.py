"""Approvals on SQLite (unique on execution and node; the queue's indexes order by urgency,
due time and arrival) and agents' category corrections in ``ai_corrections``, one per approval."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from engine.encryption import EncryptionError, FieldCipher
from engine.models import Approval, ApprovalStatus, CategoryCorrection, Email
from engine.store import _codec as codec
from engine.store import _queue as queue
from engine.store.ports.approvals import (
    ApprovalStore,
    QueueOrder,
    QueuePage,
    QueueQuery,
    SlaState,
)
from engine.store.sqlite.connection import SQLiteDatabase, Where, t, value_of
from providers.ai.base import PRIORITY_RANK

#: Blank copied fields: the search text of an erased customer's approval.
ERASED_QUEUE_FIELDS = "flags = '', search = ''"

#: The trigram index finds terms of three characters or more.
MIN_TRIGRAM = 3

_ORDER = {
    QueueOrder.URGENCY: "priority_rank, due_sort, created_at, approval_id",
    QueueOrder.DUE: "due_sort, created_at, approval_id",
    QueueOrder.RECEIVED: "received_at DESC, approval_id DESC",
}


def approval_row(approval: Approval, cipher: FieldCipher | None) -> dict[str, Any]:
    """The named parameters of the approvals table's statements for ``approval``."""
    return {
        "approval_id": approval.approval_id,
        "execution_id": approval.execution_id,
        "node_id": approval.node_id,
        "status": approval.status.value,
        "priority_rank": approval.priority_rank,
        "created_at": t(approval.created_at),
        "assigned_to": approval.assigned_to,
        "due_sort": t(queue.due_sort(approval)),
        "doc": codec.to_json(approval, cipher),
    }


def queue_row(
    approval: Approval, email: Email | None, cipher: FieldCipher | None
) -> dict[str, Any]:
    """``approval_row`` with the copied fields the queue filters and searches on."""
    fields = queue.queue_fields(approval, email, cipher)
    search = fields.search if cipher is None else f" {' '.join(fields.terms)} "
    return approval_row(approval, cipher) | {
        "queue_category": fields.category,
        "received_at": t(fields.received_at),
        "flags": "|" + "|".join(fields.flags) + "|" if fields.flags else "",
        "confidence": fields.confidence,
        "frustration": fields.frustration,
        "negative": int(fields.negative),
        "search": search,
    }


_QUEUE_SET = (
    "queue_category = :queue_category, assigned_to = :assigned_to, due_sort = :due_sort,"
    " received_at = :received_at, flags = :flags, confidence = :confidence,"
    " frustration = :frustration, negative = :negative, search = :search"
)


def _queue_where(query: QueueQuery, cipher: FieldCipher | None) -> Where:
    where = Where().add_if(value_of(query.status), "status = ?")
    where.add_if(query.category, "queue_category = ?")
    if query.priority is not None:
        # The rank is a column of the queue's indexes; the name is checked in the document.
        rank = PRIORITY_RANK.get(query.priority)
        if rank is not None:
            where.add("priority_rank = ?", rank)
        where.add("json_extract(doc, '$.priority') = ?", query.priority)
    if query.unassigned:
        where.add("assigned_to IS NULL")
    where.add_if(query.assignee, "assigned_to = ?")
    held = (
        "(flags != '' OR confidence < ? OR (negative = 1 AND frustration >= ?))",
        query.min_confidence,
        query.max_frustration,
    )
    if query.held is True:
        where.add(*held)
    elif query.held is False:
        where.add(f"NOT {held[0]}", *held[1:])
    if query.reason is not None:
        where.add(*_reason_clause(query))
    if query.sla is not None:
        now = query.now or datetime.now(UTC)
        soon = t(now + query.due_soon)
        if query.sla is SlaState.OVERDUE:
            where.add("due_sort < ?", t(now))
        elif query.sla is SlaState.DUE_SOON:
            where.add("due_sort >= ? AND due_sort < ?", t(now), soon)
        else:
            where.add("due_sort >= ?", soon)
    phrases = []
    for alternatives in queue.search_terms(query.search, cipher):
        if cipher is None and len(alternatives[0]) < MIN_TRIGRAM:
            where.add("instr(search, ?) > 0", alternatives[0])  # too short for the index
        else:
            phrases.append("(" + " OR ".join(_phrase(term) for term in alternatives) + ")")
    if phrases:
        where.add(
            "rowid IN (SELECT rowid FROM approvals_search WHERE approvals_search MATCH ?)",
            " AND ".join(phrases),
        )
    return where


def _phrase(term: str) -> str:
    """``term`` as an FTS5 phrase: matched as it is, whatever it holds."""
    return '"' + term.replace('"', '""') + '"'


def _reason_clause(query: QueueQuery) -> tuple[str, ...] | tuple[Any, ...]:
    stored = "instr(flags, ?) > 0"
    kind = f"|{query.reason}|"
    if query.reason == "low confidence":
        return (f"({stored} OR confidence < ?)", kind, query.min_confidence)
    if query.reason == "angry customer":
        clause = f"({stored} OR (negative = 1 AND frustration >= ?))"
        return (clause, kind, query.max_frustration)
    return (stored, kind)


class SQLiteApprovalStore(SQLiteDatabase, ApprovalStore):
    def create_approval(self, approval: Approval) -> Approval:
        stored = codec.normalized(approval)
        with self._locked() as db:
            email = self._email_of(db, stored.email_id)
            inserted = db.execute(
                "INSERT INTO approvals (approval_id, execution_id, node_id, status,"
                " priority_rank, created_at, assigned_to, due_sort, queue_category,"
                " received_at, flags, confidence, frustration, negative, search, doc)"
                " VALUES (:approval_id, :execution_id, :node_id, :status, :priority_rank,"
                " :created_at, :assigned_to, :due_sort, :queue_category, :received_at, :flags,"
                " :confidence, :frustration, :negative, :search, :doc)"
                " ON CONFLICT (execution_id, node_id) DO NOTHING",
                queue_row(stored, email, self.cipher),
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

    def queue_page(self, query: QueueQuery) -> QueuePage:
        where = _queue_where(query, self.cipher)
        items = self._all(
            Approval,
            f"SELECT doc FROM approvals WHERE {where.sql} ORDER BY {_ORDER[query.order]}"
            " LIMIT ? OFFSET ?",
            *where.params,
            query.limit,
            query.offset,
        )
        total = self._count(f"SELECT COUNT(*) FROM approvals WHERE {where.sql}", *where.params)
        return QueuePage(items=items, total=total, offset=query.offset, limit=query.limit)

    def _email_of(self, db: sqlite3.Connection, email_id: str) -> Email | None:
        row = db.execute("SELECT doc FROM emails WHERE email_id = ?", (email_id,)).fetchone()
        return None if row is None else self._load(Email, row[0])

    def index_queue(self, batch: int = 500) -> int:
        """Fill the copied fields of approvals stored before they existed; how many were.

        A row this process cannot open (encrypted, and no key here) is left for one that can.
        """
        done, after = 0, ""
        while True:
            with self._write() as db:
                rows = db.execute(
                    "SELECT approval_id, doc FROM approvals WHERE queue_category IS NULL"
                    " AND approval_id > ? ORDER BY approval_id LIMIT ?",
                    (after, batch),
                ).fetchall()
                for approval_id, doc in rows:
                    after = approval_id
                    try:
                        approval = self._load(Approval, doc)
                        email = self._email_of(db, approval.email_id)
                    except EncryptionError:
                        continue
                    db.execute(
                        f"UPDATE approvals SET {_QUEUE_SET} WHERE approval_id = :approval_id",
                        queue_row(approval, email, self.cipher),
                    )
                    done += 1
            if len(rows) < batch:
                return done

    def reindex_queue(self) -> int:
        """Copy every approval's queue fields again (after the encryption key changed)."""
        with self._locked() as db:
            db.execute("UPDATE approvals SET queue_category = NULL")
        return self.index_queue()

    def mark_viewing(
        self, approval_id: str, person: str, at: datetime, forget_before: datetime
    ) -> None:
        with self._write() as db:
            db.execute("DELETE FROM approval_viewers WHERE seen_at < ?", (t(forget_before),))
            db.execute(
                "INSERT INTO approval_viewers (approval_id, person, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (approval_id, person) DO UPDATE SET"
                " seen_at = max(seen_at, excluded.seen_at)",
                (approval_id, person, t(at)),
            )

    def list_viewers(self, approval_id: str, since: datetime) -> dict[str, datetime]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT person, seen_at FROM approval_viewers WHERE approval_id = ?"
                " AND seen_at >= ? ORDER BY person",
                (approval_id, t(since)),
            ).fetchall()
        return {person: datetime.fromisoformat(seen) for person, seen in rows}

    def count_approvals(self, status: ApprovalStatus | None = None) -> int:
        where = Where().add_if(value_of(status), "status = ?")
        return self._count(f"SELECT COUNT(*) FROM approvals WHERE {where.sql}", *where.params)

    def decide_approval(self, approval: Approval) -> bool:
        codec.require_decided(approval)
        with self._locked() as db:
            written = db.execute(
                "UPDATE approvals SET execution_id = :execution_id, node_id = :node_id,"
                " status = :status, priority_rank = :priority_rank, created_at = :created_at,"
                " assigned_to = :assigned_to, due_sort = :due_sort,"
                " doc = :doc WHERE approval_id = :approval_id AND status = 'pending'",
                approval_row(approval, self.cipher),
            ).rowcount
        return written == 1

    def update_pending_approval(self, approval: Approval) -> bool:
        codec.require_pending(approval)
        with self._locked() as db:
            written = db.execute(
                "UPDATE approvals SET priority_rank = :priority_rank, assigned_to = :assigned_to,"
                " due_sort = :due_sort, doc = :doc"
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
                "UPDATE approvals SET assigned_to = :assigned_to, due_sort = :due_sort,"
                " doc = :doc WHERE approval_id = :approval_id"
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
