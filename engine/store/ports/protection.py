"""Data protection: key rotation, a customer's export and erasure, retention, compaction.

These reach across aggregates (a customer's emails and everything made from them), so they are
one port of their own rather than a method on each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from engine.models import CustomerRecords


class DataProtectionStore(ABC):
    """What privacy, retention and ``rotate-key`` need from the store."""

    @abstractmethod
    def reseal_all(self) -> dict[str, int]:
        """Re-encrypt every stored protected value under the store's current key (values stored
        in clear before a key was set are encrypted too); return, per table / collection, how
        many rows were rewritten. Without a key, a row holding encrypted values raises
        ``EncryptionError``.

        Each row is rewritten only if it is unchanged since it was read, so a concurrent write
        is never lost; such a row keeps its old key until the next run.
        """

    @abstractmethod
    def find_customer(self, address: str) -> CustomerRecords:
        """The emails whose sender is ``address`` (without regard to case) and every execution,
        approval, outbox message and category correction of those emails, and the audit entries
        whose target is one of them. ``quarantine`` is left empty (its raw bytes are searched
        by the caller, see ``engine.ops.privacy``)."""

    @abstractmethod
    def erase_customer(self, erased: CustomerRecords, removed: CustomerRecords) -> None:
        """Replace each record of ``erased`` by its key with the given (anonymised) version,
        and delete the corrections and quarantined messages of ``removed``, in one go where
        the backend allows. Audit entries are rewritten only here (privacy erase)."""

    @abstractmethod
    def compact(self) -> None:
        """Make deleted and overwritten data unrecoverable from the database files where the
        backend can (SQLite: VACUUM and truncate the WAL); a no-op where it cannot."""

    @abstractmethod
    def delete_expired(self, collection: str, before: datetime) -> int:
        """Delete the finished records of ``collection`` (a ``RETENTION_COLLECTIONS`` name,
        or ``deliveries``: the delivery log) older than ``before``; return how many. Never
        deleted: unfinished executions, pending approvals, outbox messages still sending, and
        emails an unfinished execution needs. An unknown ``collection`` raises ``ValueError``."""
