"""Waiting on mailboxes that can tell when mail arrives (IMAP IDLE), so it is polled at once.

The interval job keeps polling as before; a watcher only makes new mail start sooner. A
watcher whose source cannot wait ends at once, and one whose connection fails retries after
a pause: polling at the interval is what records the error in the source's health.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from providers.email.base import EmailSource
from providers.errors import ProviderConfigError, ProviderError

log = logging.getLogger(__name__)


class MailWatcher:
    """One thread that waits on one mailbox and calls ``on_mail`` whenever mail may be new."""

    def __init__(
        self,
        name: str,
        open_source: Callable[[], EmailSource],
        on_mail: Callable[[], object],
        wait_seconds: float,
        retry_seconds: float = 5.0,
    ) -> None:
        self.name = name
        self._open_source = open_source
        self._on_mail = on_mail
        self._wait_seconds = wait_seconds
        self._retry_seconds = retry_seconds
        self._stopping = threading.Event()
        self._source: EmailSource | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"watch-{name}", daemon=True)
        #: Times ``on_mail`` ran, for the health page and tests.
        self.wakeups = 0

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop waiting: cut the connection under the wait and let the thread end."""
        self._stopping.set()
        with self._lock:
            source = self._source
        if source is not None:
            source.interrupt()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                source = self._open_source()
            except ProviderConfigError as exc:
                log.warning("not waiting for mail on %s: %s", self.name, exc)
                return
            with self._lock:
                self._source = source
            if self._stopping.is_set():
                source.interrupt()
            try:
                if not self._watch(source):
                    return
            except ProviderError as exc:
                log.warning("waiting for mail on %s failed: %s", self.name, exc)
                self._stopping.wait(self._retry_seconds)
            except Exception:
                log.exception("waiting for mail on %s failed", self.name)
                self._stopping.wait(self._retry_seconds)
            finally:
                with self._lock:
                    self._source = None
                source.close()

    def _watch(self, source: EmailSource) -> bool:
        """Wait and poll until stopped (True) or the source turns out unable to wait (False)."""
        while not self._stopping.is_set():
            arrived = source.wait_for_mail(self._wait_seconds)
            if arrived is None:
                log.info("%s cannot wait for mail; it is polled at its interval", self.name)
                return False
            if arrived and not self._stopping.is_set():
                self.wakeups += 1
                self._on_mail()
        return True
