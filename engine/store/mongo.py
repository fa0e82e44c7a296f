"""The MongoDB backend (also runs on ``mongomock`` for tests).

Documents carry their natural key as ``_id`` where there is one and times as BSON datetimes.
Every conditional write is one single-document operation whose filter holds the condition, so
it needs no transaction (and no replica set).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING, MongoClient, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from engine.models import (
    FINAL_EXECUTION_STATUSES,
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

Document = dict[str, Any]
ModelT = TypeVar("ModelT", bound=BaseModel)

# Kept from the stored workflow when a new version is saved (see Store.save_workflow).
_WORKFLOW_KEPT_FIELDS = ("created_at", "execution_count", "last_executed_at")


def _document(model: BaseModel, key: str | None = None) -> Document:
    doc = codec.stored_document(model)
    return doc if key is None else {"_id": doc[key], **doc}


def _model(model_type: type[ModelT], doc: Mapping[str, Any]) -> ModelT:
    # plain() also makes the datetimes of a client without tz_aware=True aware UTC again.
    fields = codec.plain({k: v for k, v in doc.items() if k != "_id"})
    return model_type.model_validate(codec.open_document(model_type, fields))


def _model_or_none(model_type: type[ModelT], doc: Mapping[str, Any] | None) -> ModelT | None:
    return None if doc is None else _model(model_type, doc)


def _limit(limit: int) -> int | None:
    """``limit`` for a cursor, or None when nothing may be returned (0 means "all" to Mongo)."""
    return limit if limit > 0 else None


def _status_in(statuses: Iterable[ExecutionStatus]) -> Document:
    return {"$in": [ExecutionStatus(s).value for s in statuses]}


class MongoStore(Store):
    """The store on a MongoDB database (pymongo client, or ``mongomock`` in tests)."""

    def __init__(self, client: MongoClient[Document] | Any, database: str) -> None:
        self._client = client
        db: Database[Document] = client[database]
        self._workflows: Collection[Document] = db["workflows"]
        self._workflow_versions: Collection[Document] = db["workflow_versions"]
        self._emails: Collection[Document] = db["emails"]
        self._executions: Collection[Document] = db["executions"]
        self._approvals: Collection[Document] = db["approvals"]
        self._outbox: Collection[Document] = db["outbox"]
        self._rollups: Collection[Document] = db["rollups"]
        self._cursors: Collection[Document] = db["cursors"]
        self._leases: Collection[Document] = db["leases"]
        self._workers: Collection[Document] = db["workers"]
        self._audit: Collection[Document] = db["audit"]
        self._quarantine: Collection[Document] = db["quarantine"]
        self._source_health: Collection[Document] = db["source_health"]
        self._ai_corrections: Collection[Document] = db["ai_corrections"]

    # --- lifecycle -------------------------------------------------------------------------
    def setup(self) -> None:
        up, down = ASCENDING, DESCENDING
        unique = {"unique": True}
        # (collection, keys, options); create_index one by one because mongomock's
        # create_indexes drops partialFilterExpression.
        indexes: list[tuple[Collection[Document], list[tuple[str, int]], dict[str, Any]]] = [
            (self._workflows, [("name", up), ("_id", up)], {}),
            (self._workflow_versions, [("workflow_id", up), ("version", down)], unique),
            # message_id first so find_email_by_message_id uses the same index.
            (self._emails, [("message_id", up), ("mailbox", up)], unique),
            (
                self._executions,
                [("workflow_id", up), ("email_id", up)],
                # Stored documents hold email_id: null; only strings must be unique.
                unique | {"partialFilterExpression": {"email_id": {"$type": "string"}}},
            ),
            (self._executions, [("status", up), ("created_at", up)], {}),
            (self._executions, [("workflow_id", up), ("created_at", down)], {}),
            (self._executions, [("created_at", down)], {}),
            (self._approvals, [("execution_id", up), ("node_id", up)], unique),
            (self._approvals, [("status", up), ("priority_rank", up), ("created_at", up)], {}),
            (self._outbox, [("kind", up), ("created_at", down)], {}),
            (self._outbox, [("created_at", down)], {}),
            (self._rollups, [("bucket", up), ("metric", up), ("key", up)], unique),
            (self._rollups, [("metric", up), ("bucket", up), ("key", up)], {}),
            (self._workers, [("heartbeat_at", up)], {}),
            (self._audit, [("at", down), ("_id", down)], {}),
        ]
        indexes += [
            (self._quarantine, [("received_at", down)], {}),
            (self._emails, [("mailbox", up), ("thread_key", up), ("received_at", down)], {}),
            (self._emails, [("thread_id", up)], {}),
        ]
        indexes.append((self._ai_corrections, [("corrected_at", up), ("_id", up)], {}))
        for collection, keys, options in indexes:
            collection.create_index(keys, **options)

    def close(self) -> None:
        self._client.close()

    # --- workflows -------------------------------------------------------------------------
    def save_workflow(self, workflow: Workflow) -> Workflow:
        now = utcnow()
        workflow_id = workflow.workflow_id
        while True:
            previous = _model_or_none(Workflow, self._workflows.find_one({"_id": workflow_id}))
            latest = self._workflow_versions.find_one(
                {"workflow_id": workflow_id}, sort=[("version", DESCENDING)]
            )
            version = 1 + max(
                0 if previous is None else previous.version,
                0 if latest is None else int(latest["version"]),
            )
            stored = codec.next_workflow(workflow, previous, version, now)
            try:
                self._workflow_versions.insert_one(_document(stored))
            except DuplicateKeyError:
                continue  # a concurrent save took this version number; take the next one
            break
        doc = _document(stored)
        kept = {name: doc.pop(name) for name in _WORKFLOW_KEPT_FIELDS}
        # $setOnInsert: counters recorded since the read above must not be overwritten. A
        # duplicate key means a concurrent save stored a newer version, which stays current.
        with contextlib.suppress(DuplicateKeyError):
            self._workflows.update_one(
                {"_id": workflow_id, "version": {"$lt": version}},
                {"$set": doc, "$setOnInsert": kept},
                upsert=True,
            )
        return stored

    def get_workflow(self, workflow_id: str, version: int | None = None) -> Workflow:
        doc = self._workflows.find_one({"_id": workflow_id})
        if doc is not None and version not in (None, doc["version"]):
            doc = self._workflow_versions.find_one({"workflow_id": workflow_id, "version": version})
        if doc is None:
            raise WorkflowNotFound(workflow_id, version)
        return _model(Workflow, doc)

    def list_workflows(self, status: WorkflowStatus | None = None) -> list[Workflow]:
        query = {} if status is None else {"status": status.value}
        cursor = self._workflows.find(query).sort([("name", ASCENDING), ("_id", ASCENDING)])
        return [_model(Workflow, doc) for doc in cursor]

    def set_workflow_status(self, workflow_id: str, status: WorkflowStatus) -> Workflow:
        doc = self._workflows.find_one_and_update(
            {"_id": workflow_id},
            {"$set": {"status": status.value}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise WorkflowNotFound(workflow_id)
        return _model(Workflow, doc)

    def record_workflow_executions(self, workflow_id: str, count: int, at: datetime) -> None:
        result = self._workflows.update_one(
            {"_id": workflow_id},
            {
                "$inc": {"execution_count": count},
                "$set": {"last_executed_at": codec.store_time(at)},
            },
        )
        if result.matched_count == 0:
            raise WorkflowNotFound(workflow_id)

    # --- emails ----------------------------------------------------------------------------
    def insert_email(self, email: Email) -> bool:
        try:
            self._emails.insert_one(_document(email, "email_id"))
        except DuplicateKeyError:
            if self._emails.count_documents(
                {"message_id": email.message_id, "mailbox": email.mailbox}, limit=1
            ):
                return False
            raise
        return True

    def get_email(self, email_id: str) -> Email | None:
        return _model_or_none(Email, self._emails.find_one({"_id": email_id}))

    def find_email_by_message_id(self, message_id: str) -> Email | None:
        doc = self._emails.find_one({"message_id": message_id}, sort=[("mailbox", ASCENDING)])
        return _model_or_none(Email, doc)

    def count_emails(self) -> int:
        return self._emails.count_documents({})

    # --- executions ------------------------------------------------------------------------
    def create_execution(self, execution: ExecutionLog) -> bool:
        try:
            self._executions.insert_one(_document(execution, "execution_id"))
        except DuplicateKeyError:
            if execution.email_id is not None and self._executions.count_documents(
                {"workflow_id": execution.workflow_id, "email_id": execution.email_id}, limit=1
            ):
                return False
            raise
        return True

    def get_execution(self, execution_id: str) -> ExecutionLog | None:
        return _model_or_none(ExecutionLog, self._executions.find_one({"_id": execution_id}))

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
    ) -> list[ExecutionLog]:
        limit_ = _limit(limit)
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
        cursor = (
            self._executions.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit_)
        )
        return [_model(ExecutionLog, doc) for doc in cursor]

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
        return _model_or_none(ExecutionLog, doc)

    def write_execution(
        self,
        execution: ExecutionLog,
        *,
        owner: str,
        attempt: int,
        rollups: Sequence[RollupIncrement] = (),
    ) -> bool:
        doc = _document(execution)
        # The stored control_request survives a worker's fenced write (see the contract).
        del doc["control_request"], doc["execution_id"]
        result = self._executions.update_one(
            {"_id": execution.execution_id, "owner": owner, "attempt": attempt}, {"$set": doc}
        )
        if result.matched_count != 1:
            return False
        # No multi-document transaction here (a standalone server has none): the rollups
        # follow the fenced write; a crash between the two loses only these increments.
        self.increment_rollups(rollups)
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
            {"$set": codec.encode_fields(ExecutionLog, update)},
            return_document=ReturnDocument.AFTER,
        )
        return _model_or_none(ExecutionLog, doc)

    def update_executions_where(
        self, workflow_id: str, statuses: Iterable[ExecutionStatus], changes: dict[str, Any]
    ) -> int:
        update = codec.validated_changes(ExecutionLog, changes, key="execution_id")
        update["updated_at"] = utcnow()
        result = self._executions.update_many(
            {"workflow_id": workflow_id, "status": _status_in(statuses)},
            {"$set": codec.encode_fields(ExecutionLog, update)},
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

    # --- approvals -------------------------------------------------------------------------
    def create_approval(self, approval: Approval) -> Approval:
        try:
            self._approvals.insert_one(_document(approval, "approval_id"))
        except DuplicateKeyError:
            existing = self.find_approval(approval.execution_id, approval.node_id)
            if existing is None:
                raise  # an approval_id clash, not the same approval
            return existing
        return codec.normalized(approval)

    def get_approval(self, approval_id: str) -> Approval | None:
        return _model_or_none(Approval, self._approvals.find_one({"_id": approval_id}))

    def find_approval(self, execution_id: str, node_id: str) -> Approval | None:
        doc = self._approvals.find_one({"execution_id": execution_id, "node_id": node_id})
        return _model_or_none(Approval, doc)

    def list_approvals(
        self, status: ApprovalStatus | None = ApprovalStatus.PENDING, limit: int = 100
    ) -> list[Approval]:
        limit_ = _limit(limit)
        if limit_ is None:
            return []
        query = {} if status is None else {"status": status.value}
        cursor = (
            self._approvals.find(query)
            .sort([("priority_rank", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit_)
        )
        return [_model(Approval, doc) for doc in cursor]

    def count_approvals(self, status: ApprovalStatus | None = None) -> int:
        return self._approvals.count_documents({} if status is None else {"status": status.value})

    def decide_approval(self, approval: Approval) -> bool:
        codec.require_decided(approval)
        result = self._approvals.replace_one(
            {"_id": approval.approval_id, "status": ApprovalStatus.PENDING.value},
            _document(approval, "approval_id"),
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
            _document(approval, "approval_id"),
        )
        return result.matched_count == 1

    def list_due_escalations(self, now: datetime, limit: int = 100) -> list[Approval]:
        limit_ = _limit(limit)
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
        return [_model(Approval, doc) for doc in cursor]

    def mark_escalated(self, approval: Approval) -> bool:
        if approval.escalated_at is None:
            raise ValueError("mark_escalated needs escalated_at")
        result = self._approvals.replace_one(
            {
                "_id": approval.approval_id,
                "status": ApprovalStatus.PENDING.value,
                "escalated_at": None,
            },
            _document(approval, "approval_id"),
        )
        return result.matched_count == 1

    # --- outbox ----------------------------------------------------------------------------
    def reserve_outbox(self, message: OutboxMessage) -> bool:
        try:
            self._outbox.insert_one(_document(message, "idempotency_key"))
        except DuplicateKeyError:
            return False
        return True

    def get_outbox(self, idempotency_key: str) -> OutboxMessage | None:
        return _model_or_none(OutboxMessage, self._outbox.find_one({"_id": idempotency_key}))

    def mark_outbox(
        self,
        idempotency_key: str,
        *,
        status: OutboxStatus,
        provider_message_id: str | None = None,
        sent_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        self._outbox.update_one(
            {"_id": idempotency_key},
            {
                "$set": {
                    "status": status.value,
                    "provider_message_id": provider_message_id,
                    "sent_at": None if sent_at is None else codec.store_time(sent_at),
                    **codec.seal_document(OutboxMessage, {"error": error}),
                }
            },
        )

    def list_outbox(self, kind: OutboxKind | None = None, limit: int = 100) -> list[OutboxMessage]:
        limit_ = _limit(limit)
        if limit_ is None:
            return []
        query = {} if kind is None else {"kind": kind.value}
        cursor = (
            self._outbox.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit_)
        )
        return [_model(OutboxMessage, doc) for doc in cursor]

    def count_outbox(
        self, kind: OutboxKind | None = None, status: OutboxStatus | None = None
    ) -> int:
        query: Document = {}
        if kind is not None:
            query["kind"] = kind.value
        if status is not None:
            query["status"] = status.value
        return self._outbox.count_documents(query)

    # --- rollups ---------------------------------------------------------------------------
    def increment_rollups(self, increments: Sequence[RollupIncrement]) -> None:
        for increment in increments:
            key = {
                "bucket": codec.store_time(increment.bucket),
                "metric": increment.metric,
                "key": increment.key,
            }
            change = {"$inc": {"count": increment.count, "total": increment.total}}
            try:
                self._rollups.update_one(key, change, upsert=True)
            except DuplicateKeyError:
                # Two upserts created the row at once; the loser's $inc did not apply.
                self._rollups.update_one(key, change)

    def query_rollups(
        self, metric: str, since: datetime, until: datetime | None = None
    ) -> list[RollupRow]:
        bucket: Document = {"$gte": codec.store_time(since)}
        if until is not None:
            bucket["$lt"] = codec.store_time(until)
        cursor = self._rollups.find({"metric": metric, "bucket": bucket}).sort(
            [("bucket", ASCENDING), ("key", ASCENDING)]
        )
        return [_model(RollupRow, doc) for doc in cursor]

    def replace_rollups(
        self,
        metrics: Sequence[str],
        since: datetime,
        until: datetime,
        increments: Sequence[RollupIncrement],
    ) -> int:
        # Not one transaction (that needs a replica set): a reader may briefly see the hours
        # empty. Only closed hours are rebuilt, so no worker writes them meanwhile.
        rows = sum_rollup_increments(metrics, since, until, increments)
        bucket = {"$gte": codec.store_time(since), "$lt": codec.store_time(until)}
        self._rollups.delete_many({"metric": {"$in": list(metrics)}, "bucket": bucket})
        if rows:
            self._rollups.insert_many(
                [
                    {"bucket": codec.store_time(b), "metric": m, "key": k, "count": c, "total": t}
                    for (b, m, k), (c, t) in rows.items()
                ]
            )
        return len(rows)

    # --- cursors, leases, workers, audit ----------------------------------------------------
    def get_cursor(self, key: str) -> str | None:
        doc = self._cursors.find_one({"_id": key})
        return None if doc is None else str(doc["value"])

    def set_cursor(self, key: str, value: str) -> None:
        self._cursors.update_one({"_id": key}, {"$set": {"value": value}}, upsert=True)

    def acquire_lease(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        try:
            self._leases.update_one(
                {
                    "_id": name,
                    "$or": [{"until": {"$lt": codec.store_time(now)}}, {"owner": owner}],
                },
                {"$set": {"owner": owner, "until": codec.store_time(until)}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # held by another owner: the upsert tried to insert a second one
        return True

    def release_lease(self, name: str, owner: str) -> None:
        self._leases.delete_one({"_id": name, "owner": owner})

    def record_heartbeat(self, worker: WorkerInfo) -> None:
        self._workers.replace_one(
            {"_id": worker.worker_id}, _document(worker, "worker_id"), upsert=True
        )

    def remove_worker(self, worker_id: str) -> None:
        self._workers.delete_one({"_id": worker_id})

    def list_workers(self, alive_since: datetime | None = None) -> list[WorkerInfo]:
        query = (
            {} if alive_since is None else {"heartbeat_at": {"$gte": codec.store_time(alive_since)}}
        )
        cursor = self._workers.find(query).sort([("_id", ASCENDING)])
        return [_model(WorkerInfo, doc) for doc in cursor]

    def append_audit(self, entry: AuditEntry) -> None:
        self._audit.insert_one(_document(entry, "audit_id"))

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        limit_ = _limit(limit)
        if limit_ is None:
            return []
        cursor = self._audit.find().sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(limit_)
        return [_model(AuditEntry, doc) for doc in cursor]

    # --- AI (issue 4): agents' category corrections -----------------------------------------
    def save_correction(self, correction: CategoryCorrection) -> None:
        document = _document(correction, "approval_id")
        self._ai_corrections.replace_one({"_id": document["_id"]}, document, upsert=True)

    def list_corrections(self, limit: int = 10_000) -> list[CategoryCorrection]:
        limit_ = _limit(limit)
        if limit_ is None:
            return []
        cursor = (
            self._ai_corrections.find()
            .sort([("corrected_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit_)
        )
        return [_model(CategoryCorrection, doc) for doc in cursor]

    # --- real mailboxes (issue 5): quarantine, thread fallback, source health ---------------
    def quarantine_message(self, item: QuarantinedMessage) -> bool:
        try:
            self._quarantine.insert_one(_document(item, "quarantine_key"))
        except DuplicateKeyError:
            return False
        return True

    def list_quarantine(self, limit: int = 100) -> list[QuarantinedMessage]:
        limit_ = _limit(limit)
        if limit_ is None:
            return []
        cursor = (
            self._quarantine.find()
            .sort([("received_at", DESCENDING), ("_id", ASCENDING)])
            .limit(limit_)
        )
        return [_model(QuarantinedMessage, doc) for doc in cursor]

    def count_quarantine(self) -> int:
        return self._quarantine.count_documents({})

    def find_thread_by_key(self, mailbox: str, thread_key: str, since: datetime) -> Email | None:
        doc = self._emails.find_one(
            {
                "mailbox": mailbox,
                "thread_key": {"$in": codec.lookup_values(Email, "thread_key", thread_key)},
                "received_at": {"$gte": codec.store_time(since)},
            },
            sort=[("received_at", DESCENDING)],
        )
        return _model_or_none(Email, doc)

    def merge_threads(self, source_thread_id: str, target_thread_id: str) -> int:
        result = self._emails.update_many(
            {"thread_id": source_thread_id}, {"$set": {"thread_id": target_thread_id}}
        )
        return int(result.modified_count)

    def save_source_health(self, health: SourceHealth) -> None:
        self._source_health.replace_one(
            {"_id": health.source_key}, _document(health, "source_key"), upsert=True
        )

    def get_source_health(self, source_key: str) -> SourceHealth | None:
        return _model_or_none(SourceHealth, self._source_health.find_one({"_id": source_key}))

    def list_source_health(self) -> list[SourceHealth]:
        cursor = self._source_health.find().sort([("_id", ASCENDING)])
        return [_model(SourceHealth, doc) for doc in cursor]

    def find_email_in_mailbox(self, mailbox: str, message_id: str) -> Email | None:
        doc = self._emails.find_one({"message_id": message_id, "mailbox": mailbox})
        return _model_or_none(Email, doc)

    # --- data protection (issue 8): key rotation, privacy, retention ------------------------
    def _sealed_collections(self) -> tuple[tuple[Collection[Document], type[BaseModel]], ...]:
        return (
            (self._emails, Email),
            (self._executions, ExecutionLog),
            (self._approvals, Approval),
            (self._outbox, OutboxMessage),
            (self._quarantine, QuarantinedMessage),
            (self._ai_corrections, CategoryCorrection),
            (self._audit, AuditEntry),
        )

    def reseal_all(self) -> dict[str, int]:
        rewritten: dict[str, int] = {}
        for collection, model_type in self._sealed_collections():
            rewritten[collection.name] = 0
            for doc in collection.find({}).sort("_id", ASCENDING):
                fields = codec.plain({k: v for k, v in doc.items() if k != "_id"})
                if not codec.needs_reseal(model_type, fields):
                    continue
                new = {"_id": doc["_id"], **codec.reseal_document(model_type, fields)}
                # The whole old document as the filter: a concurrent write is never undone.
                result = collection.replace_one(dict(doc), new)
                rewritten[collection.name] += result.modified_count
        return rewritten

    def find_customer(self, address: str) -> CustomerRecords:
        senders = codec.lookup_values(Email, "from_address", address)
        exact = {"$regex": f"^{re.escape(address.strip())}$", "$options": "i"}
        emails = [
            _model(Email, doc)
            for doc in self._emails.find(
                {"$or": [{"from_address": {"$in": senders}}, {"from_address": exact}]}
            )
        ]
        ids = [email.email_id for email in emails]
        by_email: Document = {"email_id": {"$in": ids}}
        records = CustomerRecords(
            emails=emails,
            executions=[_model(ExecutionLog, d) for d in self._executions.find(by_email)],
            approvals=[_model(Approval, d) for d in self._approvals.find(by_email)],
            outbox=[_model(OutboxMessage, d) for d in self._outbox.find(by_email)],
            corrections=[
                _model(CategoryCorrection, d) for d in self._ai_corrections.find(by_email)
            ],
        )
        targets = [
            *ids,
            *(e.execution_id for e in records.executions),
            *(a.approval_id for a in records.approvals),
            *(m.idempotency_key for m in records.outbox),
        ]
        cursor = self._audit.find({"target": {"$in": targets}}).sort("at", ASCENDING)
        records.audit = [_model(AuditEntry, doc) for doc in cursor]
        return records

    def erase_customer(self, erased: CustomerRecords, removed: CustomerRecords) -> None:
        replaced: list[tuple[Collection[Document], Document]] = [
            *((self._emails, _document(e, "email_id")) for e in erased.emails),
            *((self._executions, _document(e, "execution_id")) for e in erased.executions),
            *((self._approvals, _document(a, "approval_id")) for a in erased.approvals),
            *((self._outbox, _document(m, "idempotency_key")) for m in erased.outbox),
            *((self._audit, _document(a, "audit_id")) for a in erased.audit),
        ]
        for collection, doc in replaced:
            collection.replace_one({"_id": doc["_id"]}, doc)
        corrections = [c.approval_id for c in removed.corrections]
        quarantined = [q.quarantine_key for q in removed.quarantine]
        if corrections:
            self._ai_corrections.delete_many({"_id": {"$in": corrections}})
        if quarantined:
            self._quarantine.delete_many({"_id": {"$in": quarantined}})

    def compact(self) -> None:
        """Nothing to do: MongoDB reuses the space of deleted documents itself."""

    def delete_expired(self, collection: str, before: datetime) -> int:
        bound = {"$lt": codec.store_time(before)}
        final = [status.value for status in FINAL_EXECUTION_STATUSES]
        if collection == "emails":
            unfinished = self._executions.distinct(
                "email_id", {"status": {"$nin": final}, "email_id": {"$type": "string"}}
            )
            target, query = self._emails, {"ingested_at": bound, "_id": {"$nin": unfinished}}
        elif collection == "executions":
            target, query = self._executions, {"created_at": bound, "status": {"$in": final}}
        elif collection == "approvals":
            target, query = self._approvals, {"created_at": bound, "status": {"$ne": "pending"}}
        elif collection == "outbox":
            target, query = self._outbox, {"created_at": bound, "status": {"$ne": "sending"}}
        elif collection == "quarantine":
            target, query = self._quarantine, {"received_at": bound}
        elif collection == "ai_corrections":
            target, query = self._ai_corrections, {"corrected_at": bound}
        elif collection == "audit":
            target, query = self._audit, {"at": bound}
        else:
            raise ValueError(f"no retention for {collection!r}")
        return int(target.delete_many(query).deleted_count)
