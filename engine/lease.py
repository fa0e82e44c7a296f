"""Keeps claimed executions' leases alive while a worker runs them, and tells when one is lost."""

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
    """The lease of one claimed execution.

    Every renewal is fenced on (owner, attempt): once it is refused, ``lost`` stays set and
    ``ensure()`` raises, so the worker stops before doing anything that another owner may
    also do. ``ensure()`` renews on the spot, which side effects call just before acting:
    after it returns, this worker holds the lease for at least ``lease_seconds``. While the
    keeper is entered, a ``LeaseRenewer`` renews it in the background.
    """

    def __init__(
        self,
        store: Store,
        execution_id: str,
        owner: str,
        attempt: int,
        lease_seconds: float,
        clock: Callable[[], datetime],
        renewer: LeaseRenewer | None = None,
    ) -> None:
        self.store = store
        self.execution_id = execution_id
        self.owner = owner
        self.attempt = attempt
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.renewer = renewer
        self._lost = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def renew(self) -> bool:
        """Extend the lease now; False (and ``lost`` set) if this worker no longer owns it."""
        with self._lock:
            if self._lost.is_set():
                return False
            if self._stopped.is_set():
                return True  # written back without a lease: nothing left to renew
            until = self.clock() + timedelta(seconds=self.lease_seconds)
            held = self.store.renew_lease(
                self.execution_id, owner=self.owner, attempt=self.attempt, lease_until=until
            )
            if not held:
                self._lost.set()
                log.warning("lease on %s lost (attempt %d)", self.execution_id, self.attempt)
            return held

    def ensure(self) -> None:
        """Renew now; raise ``LeaseLost`` if another worker may own the execution."""
        if not self.renew():
            raise LeaseLost(self.execution_id)

    def stop(self) -> None:
        """Stop renewing (the execution is about to be written back without a lease)."""
        with self._lock:
            self._stopped.set()
        if self.renewer is not None:
            self.renewer.forget(self)

    def __enter__(self) -> LeaseKeeper:
        if self.renewer is not None:
            self.renewer.keep(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LeaseRenewer:
    """One background thread per worker that renews every lease it keeps, every third of
    the lease length (a thread per execution would cost more than a short execution)."""

    def __init__(self, lease_seconds: float) -> None:
        self.interval = max(0.05, lease_seconds / 3)
        self._keepers: set[LeaseKeeper] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def keep(self, keeper: LeaseKeeper) -> None:
        with self._lock:
            self._keepers.add(keeper)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lease-renewer", daemon=True)
                self._thread.start()

    def forget(self, keeper: LeaseKeeper) -> None:
        with self._lock:
            self._keepers.discard(keeper)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            with self._lock:
                keepers = list(self._keepers)
            for keeper in keepers:
                try:
                    keeper.renew()
                except Exception:  # a store hiccup: try again next round, the lease has slack
                    log.exception("renewing the lease on %s failed", keeper.execution_id)


class NamedLeaseLost(Exception):
    """Another process took over a named store lease (for example a mailbox's poll lease)."""


class HeldLease:
    """A named store lease (``Store.acquire_lease``) renewed in the background while held.

    Used around work that may outlast the lease's length, such as polling a large IMAP
    batch: a thread renews it every third of ``hold``. Once a renewal is refused, ``ensure()``
    raises, so the holder stops before a step (saving a cursor) that the new holder also takes.
    """

    def __init__(
        self,
        store: Store,
        name: str,
        owner: str,
        hold: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.name = name
        self.owner = owner
        self.hold = hold
        self.clock = clock
        self._lost = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        """Take the lease; False if another owner holds a live one."""
        now = self.clock()
        if not self.store.acquire_lease(self.name, self.owner, now + self.hold, now):
            return False
        self._thread = threading.Thread(target=self._keep, name=f"lease-{self.name}", daemon=True)
        self._thread.start()
        return True

    def _keep(self) -> None:
        interval = max(0.05, self.hold.total_seconds() / 3)
        while not self._done.wait(interval):
            try:
                self.renew()
            except Exception:  # a store hiccup: the lease has slack until the next round
                log.exception("renewing lease %s failed", self.name)

    def renew(self) -> bool:
        """Extend the lease now; False (and lost for good) if another owner has it."""
        if self._lost.is_set():
            return False
        now = self.clock()
        if self.store.acquire_lease(self.name, self.owner, now + self.hold, now):
            return True
        self._lost.set()
        log.warning("lease %s was taken over by another owner", self.name)
        return False

    def ensure(self) -> None:
        """Renew now; raise ``NamedLeaseLost`` if the lease is no longer this owner's."""
        if not self.renew():
            raise NamedLeaseLost(f"lost the lease {self.name}")

    def release(self) -> None:
        """Stop renewing and give the lease back (if still held)."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        if not self._lost.is_set():
            self.store.release_lease(self.name, self.owner)
