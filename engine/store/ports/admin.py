"""Administration: what the engine's processes coordinate through (cursors, leases, worker
heartbeats), what it keeps for people to look at (audit log, mailbox health) and the messages
it could not take in (quarantine)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from engine.models import AuditEntry, QuarantinedMessage, SourceHealth, WorkerInfo


class AdminStore(ABC):
    """Cursors, leases, workers, the audit log, quarantine and mailbox source health."""

    @abstractmethod
    def get_cursor(self, key: str) -> str | None:
        """The stored cursor value for ``key`` (e.g. a trigger's mailbox position)."""

    @abstractmethod
    def set_cursor(self, key: str, value: str) -> None:
        """Store the cursor value for ``key``."""

    @abstractmethod
    def replace_cursor(self, key: str, expected: str | None, value: str) -> bool:
        """Store ``value`` for ``key`` only if the stored value is still ``expected`` (None: no
        value stored yet); False, storing nothing, when another process changed it first."""

    @abstractmethod
    def acquire_lease(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        """Take or renew the named lease: succeeds if it is free, expired (until < now), or
        already held by ``owner``. Two owners never hold a live lease at once."""

    @abstractmethod
    def release_lease(self, name: str, owner: str) -> None:
        """Release the lease if ``owner`` holds it."""

    @abstractmethod
    def record_heartbeat(self, worker: WorkerInfo) -> None:
        """Upsert the worker's row by ``worker_id``."""

    @abstractmethod
    def remove_worker(self, worker_id: str) -> None:
        """Forget a worker that stopped cleanly."""

    @abstractmethod
    def list_workers(self, alive_since: datetime | None = None) -> list[WorkerInfo]:
        """Workers whose heartbeat is at or after ``alive_since`` (all if None)."""

    @abstractmethod
    def append_audit(self, entry: AuditEntry) -> None:
        """Append an audit entry (entries are never changed or removed by the app)."""

    @abstractmethod
    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        """Audit entries, newest first."""

    @abstractmethod
    def quarantine_message(self, item: QuarantinedMessage) -> bool:
        """Insert; return False (and change nothing) if ``quarantine_key`` already exists."""

    @abstractmethod
    def list_quarantine(self, limit: int = 100) -> list[QuarantinedMessage]:
        """Quarantined messages, newest ``received_at`` first."""

    @abstractmethod
    def count_quarantine(self) -> int:
        """How many messages are quarantined."""

    @abstractmethod
    def save_source_health(self, health: SourceHealth) -> None:
        """Upsert the health row of ``health.source_key``."""

    @abstractmethod
    def get_source_health(self, source_key: str) -> SourceHealth | None:
        """The health row of ``source_key``, or None."""

    @abstractmethod
    def list_source_health(self) -> list[SourceHealth]:
        """Every health row, ordered by ``source_key``."""
