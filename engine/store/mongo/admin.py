"""Administration on MongoDB: cursors, leases and workers keyed by ``_id``; the audit log,
quarantine and mailbox source health."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from engine.models import AuditEntry, QuarantinedMessage, SourceHealth, WorkerInfo
from engine.store import _codec as codec
from engine.store.mongo.database import Index, MongoDatabase, limit_or_none
from engine.store.ports.admin import AdminStore

INDEXES = [
    Index("workers", [("heartbeat_at", ASCENDING)]),
    Index("audit", [("at", DESCENDING), ("_id", DESCENDING)]),
    Index("quarantine", [("received_at", DESCENDING)]),
]


class MongoAdminStore(MongoDatabase, AdminStore):
    def get_cursor(self, key: str) -> str | None:
        doc = self._cursors.find_one({"_id": key})
        return None if doc is None else str(doc["value"])

    def set_cursor(self, key: str, value: str) -> None:
        self._cursors.update_one({"_id": key}, {"$set": {"value": value}}, upsert=True)

    def replace_cursor(self, key: str, expected: str | None, value: str) -> bool:
        if expected is None:
            try:
                self._cursors.insert_one({"_id": key, "value": value})
            except DuplicateKeyError:
                return False
            return True
        found = self._cursors.update_one(
            {"_id": key, "value": expected}, {"$set": {"value": value}}
        )
        return found.matched_count == 1

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
            {"_id": worker.worker_id}, self._document(worker, "worker_id"), upsert=True
        )

    def remove_worker(self, worker_id: str) -> None:
        self._workers.delete_one({"_id": worker_id})

    def list_workers(self, alive_since: datetime | None = None) -> list[WorkerInfo]:
        query = (
            {} if alive_since is None else {"heartbeat_at": {"$gte": codec.store_time(alive_since)}}
        )
        cursor = self._workers.find(query).sort([("_id", ASCENDING)])
        return [self._model(WorkerInfo, doc) for doc in cursor]

    def append_audit(self, entry: AuditEntry) -> None:
        self._audit.insert_one(self._document(entry, "audit_id"))

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        cursor = self._audit.find().sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(limit_)
        return [self._model(AuditEntry, doc) for doc in cursor]

    def quarantine_message(self, item: QuarantinedMessage) -> bool:
        try:
            self._quarantine.insert_one(self._document(item, "quarantine_key"))
        except DuplicateKeyError:
            return False
        return True

    def list_quarantine(self, limit: int = 100) -> list[QuarantinedMessage]:
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        cursor = (
            self._quarantine.find()
            .sort([("received_at", DESCENDING), ("_id", ASCENDING)])
            .limit(limit_)
        )
        return [self._model(QuarantinedMessage, doc) for doc in cursor]

    def count_quarantine(self) -> int:
        return self._quarantine.count_documents({})

    def save_source_health(self, health: SourceHealth) -> None:
        self._source_health.replace_one(
            {"_id": health.source_key}, self._document(health, "source_key"), upsert=True
        )

    def get_source_health(self, source_key: str) -> SourceHealth | None:
        return self._model_or_none(SourceHealth, self._source_health.find_one({"_id": source_key}))

    def list_source_health(self) -> list[SourceHealth]:
        cursor = self._source_health.find().sort([("_id", ASCENDING)])
        return [self._model(SourceHealth, doc) for doc in cursor]
