"""The store: one port split by aggregate, an embedded SQLite backend (default) and MongoDB."""

from engine.store.base import Store, StoreError, WorkflowNotFound

__all__ = ["Store", "StoreError", "WorkflowNotFound"]
