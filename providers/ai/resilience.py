"""Circuit breaker and rate limit for one AI provider.

The breaker's state is a small JSON document kept by a :class:`BreakerStateStore`; the engine
backs it with its store, so every worker process sees the same state (a provider that failed five
times in one worker is skipped by all of them). Updates are read-modify-write, not atomic: two
workers failing at once may count one failure instead of two, which only delays opening by a
call. States: closed (calls pass; consecutive failures are counted), open (calls are refused
until ``open_until``), half-open (after ``open_until`` one call is let through; success closes,
failure re-opens for another cool-down).

The rate limit is a token bucket per provider in each process (requests per minute).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from providers.errors import ProviderUnavailableError
from providers.rate_limit import TokenBucket


class BreakerStateStore(Protocol):
    """Where breaker state lives: a string per key."""

    def get(self, key: str) -> str | None:
        """The stored value of ``key``, if any."""

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""


class MemoryStateStore:
    """A :class:`BreakerStateStore` in this process only (tests, single scripts)."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._values[key] = value


@dataclass(frozen=True)
class BreakerState:
    """Consecutive failures and, when open, until when (epoch seconds)."""

    failures: int = 0
    open_until: float = 0.0


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures for ``cooldown_seconds``."""

    def __init__(
        self,
        name: str,
        state_store: BreakerStateStore,
        *,
        failure_threshold: int = 5,
        cooldown_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        shared_state_ttl_seconds: float = 0.0,
    ) -> None:
        self.name = name
        self._store = state_store
        self._key = f"ai-circuit:{name}"
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        # With a TTL, this process reads the shared state at most once per TTL (its own
        # writes update the copy at once): other processes' failures are seen that much later,
        # and a healthy provider costs no store round-trip per call.
        self._ttl = shared_state_ttl_seconds
        self._cached: tuple[BreakerState, float] | None = None
        self._cache_lock = threading.Lock()
        self._update_lock = threading.Lock()

    def state(self) -> BreakerState:
        """The shared state now (or as read less than the TTL ago)."""
        if self._ttl > 0:
            with self._cache_lock:
                cached = self._cached
            if cached is not None and time.monotonic() - cached[1] < self._ttl:
                return cached[0]
        state = self._read()
        if self._ttl > 0:
            with self._cache_lock:
                self._cached = (state, time.monotonic())
        return state

    def _read(self) -> BreakerState:
        raw = self._store.get(self._key)
        if not raw:
            return BreakerState()
        try:
            data = json.loads(raw)
            return BreakerState(int(data["failures"]), float(data["open_until"]))
        except (ValueError, KeyError, TypeError):
            return BreakerState()  # an unreadable state must not block a provider forever

    def _write(self, state: BreakerState) -> None:
        self._store.set(
            self._key, json.dumps({"failures": state.failures, "open_until": state.open_until})
        )
        if self._ttl > 0:
            with self._cache_lock:
                self._cached = (state, time.monotonic())

    def is_open(self) -> bool:
        """True while calls must be refused (open, cool-down not over)."""
        return self.state().open_until > self._clock()

    def check(self) -> None:
        """Raise :class:`ProviderUnavailableError` if the circuit is open."""
        state = self.state()
        if state.open_until > self._clock():
            raise ProviderUnavailableError(
                f"{self.name}: circuit open after {state.failures} consecutive failures "
                f"(retrying in {state.open_until - self._clock():.0f} s)"
            )

    def record_success(self) -> None:
        """Close the circuit."""
        with self._update_lock:
            if self.state() != BreakerState():
                self._write(BreakerState())

    def record_failure(self) -> None:
        """Count a failure; open (or re-open, when half-open) at the threshold."""
        # Read-modify-write: without the lock, two threads of one process failing at once
        # would both count from the same value and one failure would be lost.
        with self._update_lock:
            failures = self.state().failures + 1
            open_until = (
                self._clock() + self.cooldown_seconds if failures >= self.failure_threshold else 0.0
            )
            self._write(BreakerState(failures, open_until))


class RateLimiter:
    """A token bucket for one provider: ``per_minute`` calls a minute, bursts up to ``burst``
    (ten seconds' worth by default)."""

    def __init__(
        self,
        name: str,
        per_minute: float,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._bucket = TokenBucket(
            per_minute, burst if burst is not None else max(1, int(per_minute // 6)), clock
        )

    def acquire(self) -> None:
        """Take one call's token, or raise :class:`ProviderUnavailableError` if none is left."""
        wait = self._bucket.take()
        if wait is not None:
            raise ProviderUnavailableError(
                f"{self.name}: rate limit reached (next call in {wait:.1f} s)"
            )
