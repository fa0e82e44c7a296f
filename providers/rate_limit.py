"""Token buckets: how many calls may be made now, refilled at a steady rate.

A bucket holds up to ``burst`` tokens and gains ``per_minute / 60`` a second; each call takes
one. :class:`KeyedTokenBucket` keeps one bucket per key (a client, a route); :class:`TokenBucket`
is a single one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Above this many keys, buckets that have refilled completely are forgotten (they hold no
#: information: a new bucket starts full too), so a flood of addresses cannot grow memory.
PRUNE_ABOVE = 10_000


class KeyedTokenBucket:
    """``per_minute`` calls a minute per key, in bursts of up to ``burst``."""

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
            tokens = self._tokens(key, now)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > PRUNE_ABOVE:
                self._prune(now)
            return None

    def _tokens(self, key: str, now: float) -> float:
        tokens, updated = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - updated) * self.rate)

    def _prune(self, now: float) -> None:
        for key in [key for key in self._buckets if self._tokens(key, now) >= self.capacity]:
            del self._buckets[key]


class TokenBucket:
    """One bucket: ``per_minute`` calls a minute, in bursts of up to ``burst``."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._bucket = KeyedTokenBucket(per_minute, burst, clock)

    def take(self) -> float | None:
        """Take one token: None if allowed, else the seconds until one is free."""
        return self._bucket.take("")


__all__ = ["PRUNE_ABOVE", "KeyedTokenBucket", "TokenBucket"]
