"""The delivery log on MongoDB: ``_id`` = ``<outbox_id>#<attempt>``, so an attempt is recorded
once."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from engine.delivery_log import DeliveryPage, DeliveryQuery, DeliveryRecord
from engine.store.mongo.database import Document, Index, MongoDatabase, limit_or_none
from engine.store.ports.deliveries import DeliveryLogStore

INDEXES = [
    Index("deliveries", [("at", DESCENDING), ("attempt", DESCENDING), ("outbox_id", DESCENDING)]),
    Index("deliveries", [("execution_id", ASCENDING), ("at", DESCENDING)]),
    Index("deliveries", [("outcome", ASCENDING), ("at", DESCENDING)]),
    Index("deliveries", [("channel", ASCENDING), ("at", DESCENDING)]),
    Index("deliveries", [("outbox_id", ASCENDING), ("attempt", ASCENDING)]),
]

ORDER = [("at", DESCENDING), ("attempt", DESCENDING), ("outbox_id", DESCENDING)]


class MongoDeliveryLogStore(MongoDatabase, DeliveryLogStore):
    def record_delivery(self, record: DeliveryRecord) -> bool:
        document = self._document(record)
        try:
            self._deliveries.insert_one({"_id": f"{record.outbox_id}#{record.attempt}", **document})
        except DuplicateKeyError:
            return False
        return True

    def list_deliveries(self, query: DeliveryQuery) -> DeliveryPage:
        match: Document = {}
        if query.outcome is not None:
            match["outcome"] = query.outcome.value
        for field in ("channel", "execution_id", "outbox_id"):
            value = getattr(query, field)
            if value is not None:
                match[field] = value
        total = self._deliveries.count_documents(match)
        limit = limit_or_none(query.limit)
        if limit is None:
            return DeliveryPage(records=[], total=total)
        cursor = self._deliveries.find(match).sort(ORDER).skip(query.offset).limit(limit)
        return DeliveryPage(
            records=[self._model(DeliveryRecord, doc) for doc in cursor], total=total
        )
