"""Approvals on MongoDB (``_id`` = approval id, unique on execution and node) and agents'
category corrections (``_id`` = approval id)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from engine.models import Approval, ApprovalStatus, CategoryCorrection
from engine.store import _codec as codec
from engine.store.mongo.database import Index, MongoDatabase, limit_or_none
from engine.store.ports.approvals import ApprovalStore

INDEXES = [
    Index("approvals", [("execution_id", ASCENDING), ("node_id", ASCENDING)], unique=True),
    Index(
        "approvals",
        [("status", ASCENDING), ("priority_rank", ASCENDING), ("created_at", ASCENDING)],
    ),
    Index("ai_corrections", [("corrected_at", ASCENDING), ("_id", ASCENDING)]),
]


class MongoApprovalStore(MongoDatabase, ApprovalStore):
    def create_approval(self, approval: Approval) -> Approval:
        try:
            self._approvals.insert_one(self._document(approval, "approval_id"))
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

    def count_approvals(self, status: ApprovalStatus | None = None) -> int:
        return self._approvals.count_documents({} if status is None else {"status": status.value})

    def decide_approval(self, approval: Approval) -> bool:
        codec.require_decided(approval)
        result = self._approvals.replace_one(
            {"_id": approval.approval_id, "status": ApprovalStatus.PENDING.value},
            self._document(approval, "approval_id"),
        )
        return result.matched_count == 1

    def update_pending_approval(self, approval: Approval) -> bool:
        codec.require_pending(approval)
        result = self._approvals.replace_one(
            {
                "_id": approval.approval_id,
                "execution_id": approval.execution_id,
                "node_id": approval.node_id,
                "status": ApprovalStatus.PENDING.value,
            },
            self._document(approval, "approval_id"),
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
        result = self._approvals.replace_one(
            {
                "_id": approval.approval_id,
                "status": ApprovalStatus.PENDING.value,
                "escalated_at": None,
            },
            self._document(approval, "approval_id"),
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
