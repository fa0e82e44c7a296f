"""The outbox on MongoDB: ``_id`` = idempotency key, so a second reservation is a duplicate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from engine.models import OutboxKind, OutboxMessage, OutboxStatus
from engine.store import _codec as codec
from engine.store.mongo.database import Document, Index, MongoDatabase, limit_or_none
from engine.store.ports.outbox import OutboxStore

INDEXES = [
    Index("outbox", [("kind", ASCENDING), ("created_at", DESCENDING)]),
    Index("outbox", [("created_at", DESCENDING)]),
    # The replies beside a customer's history: replies_to.
    Index("outbox", [("email_id", ASCENDING), ("created_at", DESCENDING)]),
]


class MongoOutboxStore(MongoDatabase, OutboxStore):
    def reserve_outbox(self, message: OutboxMessage) -> bool:
        try:
            self._outbox.insert_one(self._document(message, "idempotency_key"))
        except DuplicateKeyError:
            return False
        return True

    def get_outbox(self, idempotency_key: str) -> OutboxMessage | None:
        return self._model_or_none(OutboxMessage, self._outbox.find_one({"_id": idempotency_key}))

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
                    **codec.seal_document(OutboxMessage, {"error": error}, self.cipher),
                }
            },
        )

    def list_outbox(self, kind: OutboxKind | None = None, limit: int = 100) -> list[OutboxMessage]:
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        query = {} if kind is None else {"kind": kind.value}
        cursor = (
            self._outbox.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit_)
        )
        return [self._model(OutboxMessage, doc) for doc in cursor]

    def replies_to(self, email_ids: Sequence[str]) -> list[OutboxMessage]:
        # An email has a handful of outbox rows: the kind is checked here, so the filter is
        # the index's own key (a planner may otherwise scan the collection).
        query: Document = {"email_id": {"$in": list(dict.fromkeys(email_ids))}}
        cursor = self._outbox.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        found = [self._model(OutboxMessage, doc) for doc in cursor]
        return [message for message in found if message.kind is OutboxKind.REPLY]

    def count_outbox(
        self, kind: OutboxKind | None = None, status: OutboxStatus | None = None
    ) -> int:
        query: Document = {}
        if kind is not None:
            query["kind"] = kind.value
        if status is not None:
            query["status"] = status.value
        return self._outbox.count_documents(query)
