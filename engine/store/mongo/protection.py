"""Data protection on MongoDB: re-encryption document by document, a customer's records by
sender address, their erasure, and retention by age. There is nothing to compact."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel
from pymongo import ASCENDING
from pymongo.collection import Collection

from engine.models import (
    FINAL_EXECUTION_STATUSES,
    Approval,
    AuditEntry,
    CategoryCorrection,
    CustomerRecords,
    Email,
    ExecutionLog,
    OutboxMessage,
    QuarantinedMessage,
)
from engine.store import _codec as codec
from engine.store.mongo.database import Document, MongoDatabase
from engine.store.ports.protection import DataProtectionStore


class MongoDataProtectionStore(MongoDatabase, DataProtectionStore):
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
                if not codec.needs_reseal(model_type, fields, self.cipher):
                    continue
                resealed = codec.reseal_document(model_type, fields, self.cipher)
                # The whole old document as the filter: a concurrent write is never undone.
                result = collection.replace_one(dict(doc), {"_id": doc["_id"], **resealed})
                rewritten[collection.name] += result.modified_count
        return rewritten

    def find_customer(self, address: str) -> CustomerRecords:
        senders = codec.lookup_values(Email, "from_address", address, self.cipher)
        exact = {"$regex": f"^{re.escape(address.strip())}$", "$options": "i"}
        emails = [
            self._model(Email, doc)
            for doc in self._emails.find(
                {"$or": [{"from_address": {"$in": senders}}, {"from_address": exact}]}
            )
        ]
        ids = [email.email_id for email in emails]
        by_email: Document = {"email_id": {"$in": ids}}
        records = CustomerRecords(
            emails=emails,
            executions=[self._model(ExecutionLog, d) for d in self._executions.find(by_email)],
            approvals=[self._model(Approval, d) for d in self._approvals.find(by_email)],
            outbox=[self._model(OutboxMessage, d) for d in self._outbox.find(by_email)],
            corrections=[
                self._model(CategoryCorrection, d) for d in self._ai_corrections.find(by_email)
            ],
        )
        targets = [
            *ids,
            *(e.execution_id for e in records.executions),
            *(a.approval_id for a in records.approvals),
            *(m.idempotency_key for m in records.outbox),
        ]
        cursor = self._audit.find({"target": {"$in": targets}}).sort("at", ASCENDING)
        records.audit = [self._model(AuditEntry, doc) for doc in cursor]
        return records

    def erase_customer(self, erased: CustomerRecords, removed: CustomerRecords) -> None:
        replaced: list[tuple[Collection[Document], Document]] = [
            *((self._emails, self._document(e, "email_id")) for e in erased.emails),
            *((self._executions, self._document(e, "execution_id")) for e in erased.executions),
            *((self._approvals, self._document(a, "approval_id")) for a in erased.approvals),
            *((self._outbox, self._document(m, "idempotency_key")) for m in erased.outbox),
            *((self._audit, self._document(a, "audit_id")) for a in erased.audit),
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
        elif collection == "deliveries":
            target, query = self._deliveries, {"at": bound}
        elif collection == "quarantine":
            target, query = self._quarantine, {"received_at": bound}
        elif collection == "ai_corrections":
            target, query = self._ai_corrections, {"corrected_at": bound}
        elif collection == "audit":
            target, query = self._audit, {"at": bound}
        else:
            raise ValueError(f"no retention for {collection!r}")
        return int(target.delete_many(query).deleted_count)
