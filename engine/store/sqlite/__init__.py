"""The embedded backend: one SQLite file, one module per aggregate, numbered migrations."""

from engine.store.sqlite.connection import BUSY_TIMEOUT_MS
from engine.store.sqlite.store import SQLiteStore

__all__ = ["BUSY_TIMEOUT_MS", "SQLiteStore"]
