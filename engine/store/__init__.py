"""The store: one interface, an embedded SQLite backend (default) and a MongoDB backend."""

from engine.store.base import Store, StoreError, WorkflowNotFound

__all__ = ["Store", "StoreError", "WorkflowNotFound"]
