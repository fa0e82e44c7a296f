"""The embedded store: every aggregate's SQLite implementation on one database file."""

from __future__ import annotations

from engine.store.base import Store
from engine.store.sqlite.admin import SQLiteAdminStore
from engine.store.sqlite.approvals import SQLiteApprovalStore
from engine.store.sqlite.deliveries import SQLiteDeliveryLogStore
from engine.store.sqlite.emails import SQLiteEmailStore
from engine.store.sqlite.executions import SQLiteExecutionStore
from engine.store.sqlite.migrations import migrate
from engine.store.sqlite.outbox import SQLiteOutboxStore
from engine.store.sqlite.protection import SQLiteDataProtectionStore
from engine.store.sqlite.rollups import SQLiteRollupStore
from engine.store.sqlite.tokens import SQLiteApiTokenStore
from engine.store.sqlite.workflows import SQLiteWorkflowStore


class SQLiteStore(
    SQLiteWorkflowStore,
    SQLiteEmailStore,
    SQLiteExecutionStore,
    SQLiteApprovalStore,
    SQLiteOutboxStore,
    SQLiteDeliveryLogStore,
    SQLiteRollupStore,
    SQLiteAdminStore,
    SQLiteApiTokenStore,
    SQLiteDataProtectionStore,
    Store,
):
    """The embedded store: one SQLite database file in WAL mode, shared by several processes
    and threads. ``SQLiteStore(path, cipher)``; call ``setup()`` before first use."""

    def setup(self) -> None:
        """Apply the schema's migrations the file has not had yet (``migrations.py``), then
        fill the queue's copied fields of approvals stored before they existed."""
        with self._locked() as db:
            migrate(db)
        self.index_queue()

    def reseal_all(self) -> dict[str, int]:
        rewritten = super().reseal_all()
        # The queue's search text follows the key: clear without one, hashed under it with one.
        self.reindex_queue()
        return rewritten
