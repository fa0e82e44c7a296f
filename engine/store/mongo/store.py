"""The MongoDB store: every aggregate's implementation on one database, and their indexes."""

from __future__ import annotations

from engine.store.base import Store
from engine.store.mongo import (
    admin,
    approvals,
    deliveries,
    emails,
    executions,
    outbox,
    rollups,
    tokens,
    workflows,
)
from engine.store.mongo.admin import MongoAdminStore
from engine.store.mongo.approvals import MongoApprovalStore
from engine.store.mongo.database import Index
from engine.store.mongo.deliveries import MongoDeliveryLogStore
from engine.store.mongo.emails import MongoEmailStore
from engine.store.mongo.executions import MongoExecutionStore
from engine.store.mongo.faults import translate_errors
from engine.store.mongo.outbox import MongoOutboxStore
from engine.store.mongo.protection import MongoDataProtectionStore
from engine.store.mongo.rollups import MongoRollupStore
from engine.store.mongo.tokens import MongoApiTokenStore
from engine.store.mongo.workflows import MongoWorkflowStore

INDEXES: list[Index] = [
    *workflows.INDEXES,
    *emails.INDEXES,
    *executions.INDEXES,
    *approvals.INDEXES,
    *outbox.INDEXES,
    *deliveries.INDEXES,
    *rollups.INDEXES,
    *admin.INDEXES,
    *tokens.INDEXES,
]


class MongoStore(
    MongoWorkflowStore,
    MongoEmailStore,
    MongoExecutionStore,
    MongoApprovalStore,
    MongoOutboxStore,
    MongoDeliveryLogStore,
    MongoRollupStore,
    MongoAdminStore,
    MongoApiTokenStore,
    MongoDataProtectionStore,
    Store,
):
    """The store on a MongoDB database (pymongo client, or ``mongomock`` in tests):
    ``MongoStore(client, database, cipher)``; call ``setup()`` before first use."""

    def setup(self) -> None:
        """Create every aggregate's indexes (creating an existing index is a no-op)."""
        # One by one: mongomock's create_indexes drops partialFilterExpression.
        for index in INDEXES:
            self._collection(index.collection).create_index(index.keys, **index.options())
        self.index_queue()

    def reseal_all(self) -> dict[str, int]:
        rewritten = super().reseal_all()
        # The queue's search text follows the key: clear without one, hashed under it with one.
        self.reindex_queue()
        return rewritten


# Every Store operation reports the driver's failures as the store's own errors.
translate_errors(MongoStore, frozenset(Store.__abstractmethods__))
