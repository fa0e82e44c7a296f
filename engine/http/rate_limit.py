"""A token bucket per key (a client of the intake service): how many requests it may make."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Above this many keys, buckets that have refilled completely are forgotten (they hold no
#: information: a new bucket starts full too), so a flood of addresses cannot grow memory.
PRUNE_ABOVE = 10_000


class KeyedTokenBucket:
    """``per_minute`` requests a minute per key, in bursts of up to ``burst``."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be positive and burst at least 1")
        self.rate = per_minute / 60.0
        self.capacity = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated)
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """Take one token for ``key``: None if allowed, else the seconds until one is free."""
        with self._lock:
            now = self._clock()
            tokens, updated = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - updated) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > PRUNE_ABOVE:
                self._prune(now)
            return None

    def _prune(self, now: float) -> None:
        full = [
            key
            for key, (tokens, updated) in self._buckets.items()
            if tokens + (now - updated) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]


__all__ = ["KeyedTokenBucket"]
