"""Keeps a claimed execution's lease alive while a worker runs it, and tells when it is lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from engine.store.base import Store

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker owns the execution now; this worker must drop it."""

    def __init__(self, execution_id: str) -> None:
        super().__init__(f"lost the lease on execution {execution_id}")
        self.execution_id = execution_id


class LeaseKeeper:
    """Renews the lease of one execution every third of its length, from a background thread.

    Every renewal is fenced on (owner, attempt): once it is refused, ``lost`` stays set and
    ``ensure()`` raises, so the worker stops before doing anything that another owner may
    also do. ``ensure()`` also renews on the spot, which side effects call just before acting:
    after it returns, this worker holds the lease for at least ``lease_seconds``.
    """

    def __init__(
        self,
        store: Store,
        execution_id: str,
        owner: str,
        attempt: int,
        lease_seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.execution_id = execution_id
        self.owner = owner
        self.attempt = attempt
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def renew(self) -> bool:
        """Extend the lease now; False (and ``lost`` set) if this worker no longer owns it."""
        with self._lock:
            if self._lost.is_set():
                return False
            until = self.clock() + timedelta(seconds=self.lease_seconds)
            held = self.store.renew_lease(
                self.execution_id, owner=self.owner, attempt=self.attempt, lease_until=until
            )
            if not held:
                self._lost.set()
                if not self._stop.is_set():  # after the last write, a refusal is expected
                    log.warning("lease on %s lost (attempt %d)", self.execution_id, self.attempt)
            return held

    def ensure(self) -> None:
        """Renew now; raise ``LeaseLost`` if another worker may own the execution."""
        if not self.renew():
            raise LeaseLost(self.execution_id)

    def stop(self) -> None:
        """Stop renewing (the execution is about to be written back without a lease)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _keep(self) -> None:
        interval = max(0.05, self.lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                if not self.renew():
                    return
            except Exception:  # a store hiccup: try again next interval, the lease has slack
                log.exception("renewing the lease on %s failed", self.execution_id)

    def __enter__(self) -> LeaseKeeper:
        self._thread = threading.Thread(
            target=self._keep, name=f"lease-{self.execution_id}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
