"""Executions on MongoDB: ``_id`` = execution id; claims and fenced writes are single-document
updates whose filter holds the condition."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from engine.models import (
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    NodeStatusCount,
    RollupIncrement,
    utcnow,
)
from engine.store import _codec as codec
from engine.store.mongo.database import Document, Index, MongoDatabase, limit_or_none
from engine.store.mongo.rollups import add_rollups
from engine.store.ports.executions import ExecutionStore

INDEXES = [
    Index(
        "executions",
        [("workflow_id", ASCENDING), ("email_id", ASCENDING)],
        unique=True,
        # Stored documents hold email_id: null; only strings must be unique.
        partial={"email_id": {"$type": "string"}},
    ),
    Index("executions", [("status", ASCENDING), ("created_at", ASCENDING)]),
    Index("executions", [("workflow_id", ASCENDING), ("created_at", DESCENDING)]),
    Index("executions", [("created_at", DESCENDING)]),
    Index("executions", [("updated_at", ASCENDING), ("_id", ASCENDING)]),
]


def _status_in(statuses: Iterable[ExecutionStatus]) -> Document:
    return {"$in": [ExecutionStatus(s).value for s in statuses]}


class MongoExecutionStore(MongoDatabase, ExecutionStore):
    def create_execution(self, execution: ExecutionLog) -> bool:
        try:
            self._executions.insert_one(self._document(execution, "execution_id"))
        except DuplicateKeyError:
            if execution.email_id is not None and self._executions.count_documents(
                {"workflow_id": execution.workflow_id, "email_id": execution.email_id}, limit=1
            ):
                return False
            raise
        return True

    def get_execution(self, execution_id: str) -> ExecutionLog | None:
        return self._model_or_none(ExecutionLog, self._executions.find_one({"_id": execution_id}))

    def get_control_request(self, execution_id: str) -> str | None:
        found = self._executions.find_one({"_id": execution_id}, {"control_request": 1})
        value = None if found is None else found.get("control_request")
        return None if value is None else str(value)

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
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        query: Document = {}
        if workflow_id is not None:
            query["workflow_id"] = workflow_id
        if statuses is not None:
            query["status"] = _status_in(statuses)
        if category is not None:
            query["category"] = category
        if since is not None:
            query["created_at"] = {"$gte": codec.store_time(since)}
        if before is not None:
            at = codec.store_time(before[0])
            query["$or"] = [
                {"created_at": {"$lt": at}},
                {"created_at": at, "_id": {"$lt": before[1]}},
            ]
        cursor = (
            self._executions.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit_)
        )
        return [self._model(ExecutionLog, doc) for doc in cursor]

    def list_executions_changed(
        self, since: datetime, workflow_id: str | None = None, limit: int = 100
    ) -> list[ExecutionLog]:
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        query: Document = {"updated_at": {"$gte": codec.store_time(since)}}
        if workflow_id is not None:
            query["workflow_id"] = workflow_id
        cursor = (
            self._executions.find(query)
            .sort([("updated_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit_)
        )
        return [self._model(ExecutionLog, doc) for doc in cursor]

    def count_executions_by_status(self, workflow_id: str | None = None) -> dict[str, int]:
        match = {} if workflow_id is None else {"workflow_id": workflow_id}
        groups = self._executions.aggregate(
            [{"$match": match}, {"$group": {"_id": "$status", "count": {"$sum": 1}}}]
        )
        return {group["_id"]: int(group["count"]) for group in groups}

    def claim_execution(
        self, owner: str, lease_until: datetime, now: datetime
    ) -> ExecutionLog | None:
        now = codec.store_time(now)
        doc = self._executions.find_one_and_update(
            {"status": ExecutionStatus.PENDING.value, "control_request": None},
            # A pipeline update, so attempt and started_at are computed from the stored values.
            [
                {
                    "$set": {
                        "status": ExecutionStatus.RUNNING.value,
                        "owner": owner,
                        "attempt": {"$add": ["$attempt", 1]},
                        "lease_until": codec.store_time(lease_until),
                        "updated_at": now,
                        "started_at": {"$ifNull": ["$started_at", now]},
                    }
                }
            ],
            sort=[("created_at", ASCENDING), ("_id", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return self._model_or_none(ExecutionLog, doc)

    def write_execution(
        self,
        execution: ExecutionLog,
        *,
        owner: str,
        attempt: int,
        rollups: Sequence[RollupIncrement] = (),
    ) -> bool:
        doc = self._document(execution)
        # The stored control_request survives a worker's fenced write (see the contract).
        del doc["control_request"], doc["execution_id"]
        result = self._executions.update_one(
            {"_id": execution.execution_id, "owner": owner, "attempt": attempt}, {"$set": doc}
        )
        if result.matched_count != 1:
            return False
        # No multi-document transaction here (a standalone server has none): the rollups
        # follow the fenced write; a crash between the two loses only these increments.
        add_rollups(self._rollups, rollups)
        return True

    def renew_lease(
        self, execution_id: str, *, owner: str, attempt: int, lease_until: datetime
    ) -> bool:
        result = self._executions.update_one(
            {
                "_id": execution_id,
                "owner": owner,
                "attempt": attempt,
                "status": ExecutionStatus.RUNNING.value,
            },
            {"$set": {"lease_until": codec.store_time(lease_until)}},
        )
        return result.matched_count == 1

    def update_execution_if(
        self,
        execution_id: str,
        *,
        statuses: Iterable[ExecutionStatus],
        changes: dict[str, Any],
    ) -> ExecutionLog | None:
        update = codec.validated_changes(ExecutionLog, changes, key="execution_id")
        update["updated_at"] = utcnow()
        doc = self._executions.find_one_and_update(
            {"_id": execution_id, "status": _status_in(statuses)},
            {"$set": codec.encode_fields(ExecutionLog, update, self.cipher)},
            return_document=ReturnDocument.AFTER,
        )
        return self._model_or_none(ExecutionLog, doc)

    def update_executions_where(
        self, workflow_id: str, statuses: Iterable[ExecutionStatus], changes: dict[str, Any]
    ) -> int:
        update = codec.validated_changes(ExecutionLog, changes, key="execution_id")
        update["updated_at"] = utcnow()
        result = self._executions.update_many(
            {"workflow_id": workflow_id, "status": _status_in(statuses)},
            {"$set": codec.encode_fields(ExecutionLog, update, self.cipher)},
        )
        return result.modified_count

    def release_expired_leases(self, now: datetime) -> int:
        now = codec.store_time(now)
        result = self._executions.update_many(
            {"status": ExecutionStatus.RUNNING.value, "lease_until": {"$lt": now}},
            {
                "$set": {
                    "status": ExecutionStatus.PENDING.value,
                    "owner": None,
                    "lease_until": None,
                    "updated_at": now,
                }
            },
        )
        return result.modified_count

    def node_status_counts(self, workflow_id: str, since: datetime) -> list[NodeStatusCount]:
        groups = self._executions.aggregate(
            [
                {
                    "$match": {
                        "workflow_id": workflow_id,
                        "created_at": {"$gte": codec.store_time(since)},
                    }
                },
                {"$unwind": "$node_executions"},
                {
                    "$match": {
                        "$or": [
                            {"node_executions.status": {"$ne": "waiting"}},
                            {"node_executions.started_at": {"$ne": None}},
                        ]
                    }
                },
                {
                    "$group": {
                        "_id": {
                            "node_id": "$node_executions.node_id",
                            "status": "$node_executions.status",
                        },
                        "count": {"$sum": 1},
                    }
                },
                {"$sort": {"_id.node_id": 1, "_id.status": 1}},
            ]
        )
        return [
            NodeStatusCount(
                node_id=group["_id"]["node_id"],
                status=NodeStatus(group["_id"]["status"]),
                count=int(group["count"]),
            )
            for group in groups
        ]
