"""The Store port split by aggregate: one small interface per module.

``engine.store.base.Store`` combines them; code that needs the whole store takes a ``Store``.
"""

from engine.store.ports.admin import AdminStore
from engine.store.ports.approvals import ApprovalStore
from engine.store.ports.deliveries import DeliveryLogStore
from engine.store.ports.emails import EmailStore
from engine.store.ports.executions import ExecutionStore
from engine.store.ports.outbox import OutboxStore
from engine.store.ports.protection import DataProtectionStore
from engine.store.ports.rollups import RollupStore
from engine.store.ports.tokens import ApiTokenStore
from engine.store.ports.workflows import WorkflowStore

__all__ = [
    "AdminStore",
    "ApiTokenStore",
    "ApprovalStore",
    "DataProtectionStore",
    "DeliveryLogStore",
    "EmailStore",
    "ExecutionStore",
    "OutboxStore",
    "RollupStore",
    "WorkflowStore",
]
