"""The Store port: every read and write the engine makes, one method each.

The port is split by aggregate into small interfaces (``engine.store.ports``); ``Store`` is all
of them together, plus the lifecycle and the key protected fields are encrypted under. Two
backends implement it (``sqlite/``, the embedded default, and ``mongo/``) and pass one contract
test suite (``tests/engine/store/test_contract*.py``). Natural keys are enforced by unique
indexes in the backend, never by a read-then-write in Python. All times are timezone-aware UTC.
"""

from __future__ import annotations

from abc import abstractmethod

from engine.encryption import FieldCipher
from engine.store.errors import (
    SchemaTooNew,
    StoreError,
    StoreOperationFailed,
    StoreUnavailable,
    WorkflowNotFound,
)
from engine.store.ports import (
    AdminStore,
    ApiTokenStore,
    ApprovalStore,
    DataProtectionStore,
    DeliveryLogStore,
    EmailStore,
    ExecutionStore,
    OutboxStore,
    RollupStore,
    WorkflowStore,
)

__all__ = [
    "SchemaTooNew",
    "Store",
    "StoreError",
    "StoreOperationFailed",
    "StoreUnavailable",
    "WorkflowNotFound",
]


class Store(
    WorkflowStore,
    EmailStore,
    ExecutionStore,
    ApprovalStore,
    OutboxStore,
    DeliveryLogStore,
    RollupStore,
    AdminStore,
    ApiTokenStore,
    DataProtectionStore,
):
    """Persistence for workflows, emails, executions, approvals, outbox, the delivery log,
    rollups and the rest.

    ``cipher`` encrypts the fields that identify people as they are written and decrypts them
    as they are read (None: stored in clear). It is given to the backend's constructor; it may
    be replaced on a live store (a new key), and rows written under an earlier key stay
    readable as long as the new cipher still holds that key.
    """

    cipher: FieldCipher | None

    @abstractmethod
    def setup(self) -> None:
        """Create or migrate tables / collections and indexes. Idempotent, and safe to run
        from several processes at once."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""
