"""Circuit-breaker state kept in the store, so every engine process shares it.

It rides on the store's cursor table (a string per key), which both backends already have: the
breaker only needs last-writer-wins reads and writes of a small JSON document.
"""

from __future__ import annotations

from engine.store.base import Store


class StoreBreakerState:
    """A :class:`providers.ai.resilience.BreakerStateStore` backed by the engine's store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: str) -> str | None:
        return self._store.get_cursor(key)

    def set(self, key: str, value: str) -> None:
        self._store.set_cursor(key, value)
