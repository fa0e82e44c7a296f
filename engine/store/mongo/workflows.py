"""Workflows on MongoDB: the current version in ``workflows`` (``_id`` = workflow id), every
version in ``workflow_versions`` (unique on workflow and version)."""

from __future__ import annotations

import contextlib
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from engine.models import Workflow, WorkflowStatus, utcnow
from engine.store import _codec as codec
from engine.store.errors import WorkflowNotFound
from engine.store.mongo.database import Index, MongoDatabase
from engine.store.ports.workflows import WorkflowStore

INDEXES = [
    Index("workflows", [("name", ASCENDING), ("_id", ASCENDING)]),
    Index("workflow_versions", [("workflow_id", ASCENDING), ("version", DESCENDING)], unique=True),
]

# Kept from the stored workflow when a new version is saved (see WorkflowStore.save_workflow).
_KEPT_FIELDS = ("created_at", "execution_count", "last_executed_at")


class MongoWorkflowStore(MongoDatabase, WorkflowStore):
    def save_workflow(self, workflow: Workflow) -> Workflow:
        now = utcnow()
        workflow_id = workflow.workflow_id
        while True:
            previous = self._model_or_none(Workflow, self._workflows.find_one({"_id": workflow_id}))
            latest = self._workflow_versions.find_one(
                {"workflow_id": workflow_id}, sort=[("version", DESCENDING)]
            )
            version = 1 + max(
                0 if previous is None else previous.version,
                0 if latest is None else int(latest["version"]),
            )
            stored = codec.next_workflow(workflow, previous, version, now)
            try:
                self._workflow_versions.insert_one(self._document(stored))
            except DuplicateKeyError:
                continue  # a concurrent save took this version number; take the next one
            break
        doc = self._document(stored)
        kept = {name: doc.pop(name) for name in _KEPT_FIELDS}
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
        return self._model(Workflow, doc)

    def list_workflows(self, status: WorkflowStatus | None = None) -> list[Workflow]:
        query = {} if status is None else {"status": {"$in": status.stored_as()}}
        cursor = self._workflows.find(query).sort([("name", ASCENDING), ("_id", ASCENDING)])
        return [self._model(Workflow, doc) for doc in cursor]

    def set_workflow_status(self, workflow_id: str, status: WorkflowStatus) -> Workflow:
        doc = self._workflows.find_one_and_update(
            {"_id": workflow_id},
            {"$set": {"status": status.value}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise WorkflowNotFound(workflow_id)
        return self._model(Workflow, doc)

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
