"""Approvals on MongoDB (``_id`` = approval id, unique on execution and node) and agents'
category corrections (``_id`` = approval id)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from engine.encryption import EncryptionError
from engine.models import Approval, ApprovalStatus, CategoryCorrection, Email
from engine.store import _codec as codec
from engine.store import _queue as queue
from engine.store.mongo.database import Document, Index, MongoDatabase, limit_or_none
from engine.store.ports.approvals import (
    ApprovalStore,
    QueueOrder,
    QueuePage,
    QueueQuery,
    SlaState,
)
from providers.ai.base import PRIORITY_RANK

INDEXES = [
    Index("approvals", [("execution_id", ASCENDING), ("node_id", ASCENDING)], unique=True),
    # The queue (engine.store._queue): one index per order, and the two filters that narrow most.
    # (secantusdb takes the shortest index whose keys start with the filter's: the urgency
    # index of list_approvals below stays the shortest.)
    Index(
        "approvals",
        [
            ("status", ASCENDING),
            ("priority_rank", ASCENDING),
            ("queue_due", ASCENDING),
            ("created_at", ASCENDING),
            ("_id", ASCENDING),
        ],
    ),
    Index(
        "approvals", [("status", ASCENDING), ("queue_due", ASCENDING), ("created_at", ASCENDING)]
    ),
    Index(
        "approvals",
        [("status", ASCENDING), ("queue.received_at", DESCENDING), ("_id", DESCENDING)],
    ),
    Index(
        "approvals",
        [
            ("status", ASCENDING),
            ("queue.category", ASCENDING),
            ("priority_rank", ASCENDING),
            ("queue_due", ASCENDING),
        ],
    ),
    Index(
        "approvals",
        [
            ("status", ASCENDING),
            ("assigned_to", ASCENDING),
            ("priority_rank", ASCENDING),
            ("queue_due", ASCENDING),
        ],
    ),
    Index(
        "approvals",
        [("status", ASCENDING), ("priority_rank", ASCENDING), ("created_at", ASCENDING)],
    ),
    Index("approval_viewers", [("approval_id", ASCENDING), ("seen_at", ASCENDING)]),
    Index("approval_viewers", [("seen_at", ASCENDING)]),
    Index("ai_corrections", [("corrected_at", ASCENDING), ("_id", ASCENDING)]),
]

_ORDER: dict[QueueOrder, list[tuple[str, int]]] = {
    QueueOrder.URGENCY: [
        ("priority_rank", ASCENDING),
        ("queue_due", ASCENDING),
        ("created_at", ASCENDING),
        ("_id", ASCENDING),
    ],
    QueueOrder.DUE: [("queue_due", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)],
    QueueOrder.RECEIVED: [("queue.received_at", DESCENDING), ("_id", DESCENDING)],
}


def _held(query: QueueQuery) -> list[Document]:
    return [
        {"queue.flags.0": {"$exists": True}},
        {"queue.confidence": {"$lt": query.min_confidence}},
        {"queue.negative": True, "queue.frustration": {"$gte": query.max_frustration}},
    ]


def _reason(query: QueueQuery) -> Document:
    stored: Document = {"queue.flags": query.reason}
    if query.reason == "low confidence":
        return {"$or": [stored, {"queue.confidence": {"$lt": query.min_confidence}}]}
    if query.reason == "angry customer":
        angry = {"queue.negative": True, "queue.frustration": {"$gte": query.max_frustration}}
        return {"$or": [stored, angry]}
    return stored


def _sla(query: QueueQuery) -> Document:
    now = codec.store_time(query.now or datetime.now(UTC))
    soon = codec.store_time(now + query.due_soon)
    if query.sla is SlaState.OVERDUE:
        return {"queue_due": {"$lt": now}}
    if query.sla is SlaState.DUE_SOON:
        return {"queue_due": {"$gte": now, "$lt": soon}}
    return {"queue_due": {"$gte": soon}}


def queue_filter(query: QueueQuery, cipher: Any) -> Document:
    """The MongoDB filter of ``query`` (search: a regex over the clear text, or the hashed
    terms with a key; see ``engine.store._queue``)."""
    parts: list[Document] = []
    if query.status is not None:
        parts.append({"status": query.status.value})
    if query.category is not None:
        parts.append({"queue.category": query.category})
    if query.priority is not None:
        rank = PRIORITY_RANK.get(query.priority)
        # The rank is a key of the queue's indexes; the name is checked in the document.
        parts.append(
            {"priority": query.priority} | ({} if rank is None else {"priority_rank": rank})
        )
    if query.unassigned:
        parts.append({"assigned_to": None})
    if query.assignee is not None:
        parts.append({"assigned_to": query.assignee})
    if query.held is True:
        parts.append({"$or": _held(query)})
    elif query.held is False:
        parts.append({"$nor": _held(query)})
    if query.reason is not None:
        parts.append(_reason(query))
    if query.sla is not None:
        parts.append(_sla(query))
    for alternatives in queue.search_terms(query.search, cipher):
        if cipher is None:
            parts.append({"queue.search": {"$regex": re.escape(alternatives[0])}})
        else:
            parts.append({"queue.terms": {"$in": alternatives}})
    # One flat document where the fields do not repeat: a server's planner (secantusdb's
    # among them) matches an index on the plain fields; the rest joins under $and.
    flat: Document = {}
    rest: list[Document] = []
    for part in parts:
        if any(key in flat or key.startswith("$") for key in part):
            rest.append(part)
        else:
            flat.update(part)
    return flat | ({"$and": rest} if rest else {})


class MongoApprovalStore(MongoDatabase, ApprovalStore):
    def _approval_document(self, approval: Approval) -> Document:
        return self._document(approval, "approval_id") | {"queue_due": queue.due_sort(approval)}

    def _queue_document(self, approval: Approval) -> Document:
        doc = self._emails.find_one({"_id": approval.email_id})
        email = self._model_or_none(Email, doc)
        fields = queue.queue_fields(approval, email, self.cipher)
        return {
            "category": fields.category,
            "received_at": fields.received_at,
            "flags": list(fields.flags),
            "confidence": fields.confidence,
            "frustration": fields.frustration,
            "negative": fields.negative,
            "search": fields.search,
            "terms": list(fields.terms),
        }

    def _set(self, approval: Approval) -> Document:
        """An update writing ``approval`` and keeping the copied queue fields."""
        doc = self._approval_document(approval)
        del doc["_id"]
        return {"$set": doc}

    def create_approval(self, approval: Approval) -> Approval:
        try:
            self._approvals.insert_one(
                self._approval_document(approval) | {"queue": self._queue_document(approval)}
            )
        except DuplicateKeyError:
            existing = self.find_approval(approval.execution_id, approval.node_id)
            if existing is None:
                raise  # an approval_id clash, not the same approval
            return existing
        return codec.normalized(approval)

    def get_approval(self, approval_id: str) -> Approval | None:
        return self._model_or_none(Approval, self._approvals.find_one({"_id": approval_id}))

    def find_approval(self, execution_id: str, node_id: str) -> Approval | None:
        doc = self._approvals.find_one({"execution_id": execution_id, "node_id": node_id})
        return self._model_or_none(Approval, doc)

    def list_approvals(
        self, status: ApprovalStatus | None = ApprovalStatus.PENDING, limit: int = 100
    ) -> list[Approval]:
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        query = {} if status is None else {"status": status.value}
        cursor = (
            self._approvals.find(query)
            .sort([("priority_rank", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit_)
        )
        return [self._model(Approval, doc) for doc in cursor]

    def queue_page(self, query: QueueQuery) -> QueuePage:
        where = queue_filter(query, self.cipher)
        cursor = (
            self._approvals.find(where)
            .sort(_ORDER[query.order])
            .skip(query.offset)
            .limit(query.limit)
        )
        items = [self._model(Approval, doc) for doc in cursor]
        total = self._approvals.count_documents(where)
        return QueuePage(items=items, total=total, offset=query.offset, limit=query.limit)

    def index_queue(self, batch: int = 500) -> int:
        """Fill the copied fields of approvals stored before they existed; how many were.

        A document this process cannot open (encrypted, and no key here) is left for one that
        can.
        """
        done, after = 0, ""
        while True:
            docs = list(
                self._approvals.find({"queue": {"$exists": False}, "_id": {"$gt": after}})
                .sort("_id", ASCENDING)
                .limit(batch)
            )
            for doc in docs:
                after = doc["_id"]
                try:
                    approval = self._model(Approval, doc)
                    fields = self._queue_document(approval)
                except EncryptionError:
                    continue
                self._approvals.update_one(
                    {"_id": doc["_id"]},
                    {"$set": {"queue": fields, "queue_due": queue.due_sort(approval)}},
                )
                done += 1
            if len(docs) < batch:
                return done

    def reindex_queue(self) -> int:
        """Copy every approval's queue fields again (after the encryption key changed)."""
        self._approvals.update_many({}, {"$unset": {"queue": ""}})
        return self.index_queue()

    def mark_viewing(
        self, approval_id: str, person: str, at: datetime, forget_before: datetime
    ) -> None:
        viewers = self._collection("approval_viewers")
        viewers.delete_many({"seen_at": {"$lt": codec.store_time(forget_before)}})
        viewers.update_one(
            {"_id": f"{approval_id}\x00{person}"},
            {
                "$set": {"approval_id": approval_id, "person": person},
                "$max": {"seen_at": codec.store_time(at)},
            },
            upsert=True,
        )

    def list_viewers(self, approval_id: str, since: datetime) -> dict[str, datetime]:
        cursor = self._collection("approval_viewers").find(
            {"approval_id": approval_id, "seen_at": {"$gte": codec.store_time(since)}}
        )
        marks = {doc["person"]: codec.plain(doc["seen_at"]) for doc in cursor}
        return dict(sorted(marks.items()))

    def count_approvals(self, status: ApprovalStatus | None = None) -> int:
        return self._approvals.count_documents({} if status is None else {"status": status.value})

    def decide_approval(self, approval: Approval) -> bool:
        codec.require_decided(approval)
        result = self._approvals.update_one(
            {"_id": approval.approval_id, "status": ApprovalStatus.PENDING.value},
            self._set(approval),
        )
        return result.matched_count == 1

    def update_pending_approval(self, approval: Approval) -> bool:
        codec.require_pending(approval)
        result = self._approvals.update_one(
            {
                "_id": approval.approval_id,
                "execution_id": approval.execution_id,
                "node_id": approval.node_id,
                "status": ApprovalStatus.PENDING.value,
            },
            self._set(approval),
        )
        return result.matched_count == 1

    def list_due_escalations(self, now: datetime, limit: int = 100) -> list[Approval]:
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        cursor = (
            self._approvals.find(
                {
                    "status": ApprovalStatus.PENDING.value,
                    "escalate_at": {"$lte": codec.store_time(now)},
                    "escalated_at": None,
                }
            )
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit_)
        )
        return [self._model(Approval, doc) for doc in cursor]

    def mark_escalated(self, approval: Approval) -> bool:
        if approval.escalated_at is None:
            raise ValueError("mark_escalated needs escalated_at")
        result = self._approvals.update_one(
            {
                "_id": approval.approval_id,
                "status": ApprovalStatus.PENDING.value,
                "escalated_at": None,
            },
            self._set(approval),
        )
        return result.matched_count == 1

    def save_correction(self, correction: CategoryCorrection) -> None:
        document = self._document(correction, "approval_id")
        self._ai_corrections.replace_one({"_id": document["_id"]}, document, upsert=True)

    def list_corrections(self, limit: int = 10_000) -> list[CategoryCorrection]:
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        cursor = (
            self._ai_corrections.find()
            .sort([("corrected_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit_)
        )
        return [self._model(CategoryCorrection, doc) for doc in cursor]
