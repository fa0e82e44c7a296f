"""The Store port: every read and write the engine makes, one method each.

Two backends implement it (``sqlite.py``, the embedded default, and ``mongo.py``) and pass one
contract test suite (``tests/engine/store/test_contract.py``). Natural keys are enforced by unique
indexes in the backend, never by a read-then-write in Python. All times are timezone-aware UTC.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from engine.models import (
    Approval,
    ApprovalStatus,
    AuditEntry,
    CategoryCorrection,
    CustomerRecords,
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeStatusCount,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    QuarantinedMessage,
    RollupIncrement,
    RollupRow,
    SourceHealth,
    WorkerInfo,
    Workflow,
    WorkflowStatus,
)


class StoreError(Exception):
    """Base class of the store's own errors."""


class WorkflowNotFound(StoreError):
    def __init__(self, workflow_id: str, version: int | None = None) -> None:
        suffix = f" version {version}" if version is not None else ""
        super().__init__(f"workflow {workflow_id!r}{suffix} not found")
        self.workflow_id = workflow_id
        self.version = version


class Store(ABC):
    """Persistence for workflows, emails, executions, approvals, outbox, rollups and leases."""

    # --- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def setup(self) -> None:
        """Create tables / collections and indexes. Idempotent."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    # --- workflows -------------------------------------------------------------------------
    @abstractmethod
    def save_workflow(self, workflow: Workflow) -> Workflow:
        """Store ``workflow`` as a new version and return it as stored.

        The first save stores version 1; each later save of the same ``workflow_id`` stores
        ``previous version + 1`` (the ``version`` field of the argument is ignored) and keeps
        every earlier version readable through ``get_workflow(id, version)``. ``updated_at``
        is set to now; ``created_at``, ``execution_count`` and ``last_executed_at`` are kept
        from the stored workflow when it exists.
        """

    @abstractmethod
    def get_workflow(self, workflow_id: str, version: int | None = None) -> Workflow:
        """The current workflow, or the given version of it; raise ``WorkflowNotFound``."""

    @abstractmethod
    def list_workflows(self, status: WorkflowStatus | None = None) -> list[Workflow]:
        """Current versions of all workflows (optionally of one status), ordered by name."""

    @abstractmethod
    def set_workflow_status(self, workflow_id: str, status: WorkflowStatus) -> Workflow:
        """Switch a workflow on (active) or off without creating a new version."""

    @abstractmethod
    def record_workflow_executions(self, workflow_id: str, count: int, at: datetime) -> None:
        """Add ``count`` to ``execution_count`` and set ``last_executed_at`` atomically."""

    # --- emails ----------------------------------------------------------------------------
    @abstractmethod
    def insert_email(self, email: Email) -> bool:
        """Insert; return False (and change nothing) if (mailbox, message_id) already exists."""

    @abstractmethod
    def get_email(self, email_id: str) -> Email | None:
        """The email with ``email_id``, or None."""

    @abstractmethod
    def find_email_by_message_id(self, message_id: str) -> Email | None:
        """Any stored email with this Message-ID (in any mailbox), or None."""

    @abstractmethod
    def count_emails(self) -> int:
        """How many emails are stored."""

    # --- executions ------------------------------------------------------------------------
    @abstractmethod
    def create_execution(self, execution: ExecutionLog) -> bool:
        """Insert; return False if one already exists for (workflow_id, email_id).

        Executions without an ``email_id`` are never considered duplicates.
        """

    @abstractmethod
    def get_execution(self, execution_id: str) -> ExecutionLog | None:
        """The execution with ``execution_id``, or None."""

    @abstractmethod
    def get_control_request(self, execution_id: str) -> str | None:
        """The stored ``control_request`` of the execution (``pause``, ``cancel``), or None if
        there is none or no such execution. A read of one field: the executor asks at every
        node boundary, and the whole execution document is not needed for that."""

    @abstractmethod
    def list_executions(
        self,
        *,
        workflow_id: str | None = None,
        statuses: Sequence[ExecutionStatus] | None = None,
        category: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[ExecutionLog]:
        """Executions matching every given filter, newest ``created_at`` first.

        ``since`` compares with ``created_at`` (inclusive).
        """

    @abstractmethod
    def count_executions_by_status(self, workflow_id: str | None = None) -> dict[str, int]:
        """Number of executions per status value (statuses with none are omitted)."""

    @abstractmethod
    def claim_execution(
        self, owner: str, lease_until: datetime, now: datetime
    ) -> ExecutionLog | None:
        """Atomically take the oldest pending execution.

        Only an execution with status ``pending`` and no ``control_request`` qualifies. The
        update sets status ``running``, ``owner``, ``attempt`` + 1, ``lease_until``,
        ``updated_at`` = now and (if unset) ``started_at`` = now; the returned execution is the
        one as stored after it. Two concurrent callers never receive the same execution.
        """

    @abstractmethod
    def write_execution(
        self,
        execution: ExecutionLog,
        *,
        owner: str,
        attempt: int,
        rollups: Sequence[RollupIncrement] = (),
    ) -> bool:
        """Replace the stored execution with ``execution`` if its stored owner and attempt
        still equal ``owner`` and ``attempt`` (fencing). Return whether it was written.

        ``rollups`` are added (as ``increment_rollups`` does) only if the execution was
        written, in the same transaction where the backend has one: a run's last write and the
        metrics of what it did land together.

        The stored ``control_request`` is kept whatever ``execution`` holds: a pause or cancel
        requested while the worker runs must not be overwritten by the worker's next write.
        Only ``update_execution_if`` sets or clears it.
        """

    @abstractmethod
    def renew_lease(
        self, execution_id: str, *, owner: str, attempt: int, lease_until: datetime
    ) -> bool:
        """Extend the lease of a running execution still held by (owner, attempt)."""

    @abstractmethod
    def update_execution_if(
        self,
        execution_id: str,
        *,
        statuses: Iterable[ExecutionStatus],
        changes: dict[str, Any],
    ) -> ExecutionLog | None:
        """Apply ``changes`` (top-level field name → new value, as model values) if the
        execution's status is one of ``statuses``; return the updated execution or None.

        ``updated_at`` is always set to now as well. Used for controls (pause, resume, cancel,
        retry) and for resuming an execution after a human decision.
        """

    @abstractmethod
    def update_executions_where(
        self, workflow_id: str, statuses: Iterable[ExecutionStatus], changes: dict[str, Any]
    ) -> int:
        """Apply ``changes`` to every execution of ``workflow_id`` whose status is one of
        ``statuses`` (each one atomically, as ``update_execution_if``); return how many."""

    @abstractmethod
    def release_expired_leases(self, now: datetime) -> int:
        """Return running executions whose ``lease_until`` < now to ``pending`` (owner cleared;
        attempt kept, so the late worker's writes are refused). Return how many."""

    @abstractmethod
    def node_status_counts(self, workflow_id: str, since: datetime) -> list[NodeStatusCount]:
        """Per node id and node status, how many runs executions created since ``since`` hold.

        A run still ``waiting`` that never started (the execution has not reached the node) is
        not counted: only work that is at, or went through, a node.
        """

    # --- approvals -------------------------------------------------------------------------
    @abstractmethod
    def create_approval(self, approval: Approval) -> Approval:
        """Insert; if one exists for (execution_id, node_id) return that one unchanged."""

    @abstractmethod
    def get_approval(self, approval_id: str) -> Approval | None:
        """The approval with ``approval_id``, or None."""

    @abstractmethod
    def find_approval(self, execution_id: str, node_id: str) -> Approval | None:
        """The approval of (execution_id, node_id), or None."""

    @abstractmethod
    def list_approvals(
        self, status: ApprovalStatus | None = ApprovalStatus.PENDING, limit: int = 100
    ) -> list[Approval]:
        """Approvals of ``status`` (all if None), most urgent first: ``priority_rank``
        ascending, then ``created_at`` ascending."""

    @abstractmethod
    def count_approvals(self, status: ApprovalStatus | None = None) -> int:
        """How many approvals have ``status`` (all if None)."""

    @abstractmethod
    def decide_approval(self, approval: Approval) -> bool:
        """Store the decided ``approval`` (status approved or rejected, decided_* and final_*
        fields set) only if the stored one is still pending. Return whether it was written."""

    @abstractmethod
    def update_pending_approval(self, approval: Approval) -> bool:
        """Replace the stored approval with ``approval`` (still pending: a reassignment or a
        corrected priority) only if the stored one is still pending. Return whether it was
        written."""

    @abstractmethod
    def list_due_escalations(self, now: datetime, limit: int = 100) -> list[Approval]:
        """Pending approvals whose ``escalate_at`` has passed and that were not escalated."""

    @abstractmethod
    def mark_escalated(self, approval: Approval) -> bool:
        """Write ``approval`` (with ``escalated_at`` set) if it is still pending and was not
        escalated before; False if another worker escalated it or a human decided first."""

    # --- outbox (side effects, exactly once) -----------------------------------------------
    @abstractmethod
    def reserve_outbox(self, message: OutboxMessage) -> bool:
        """Insert ``message``; return False if its ``idempotency_key`` already exists."""

    @abstractmethod
    def get_outbox(self, idempotency_key: str) -> OutboxMessage | None:
        """The outbox message with ``idempotency_key``, or None."""

    @abstractmethod
    def mark_outbox(
        self,
        idempotency_key: str,
        *,
        status: OutboxStatus,
        provider_message_id: str | None = None,
        sent_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of a reserved side effect."""

    @abstractmethod
    def list_outbox(self, kind: OutboxKind | None = None, limit: int = 100) -> list[OutboxMessage]:
        """Outbox messages (of ``kind`` if given), newest ``created_at`` first."""

    @abstractmethod
    def count_outbox(
        self, kind: OutboxKind | None = None, status: OutboxStatus | None = None
    ) -> int:
        """How many outbox messages match ``kind`` and ``status`` (each ignored if None)."""

    # --- rollups (pre-aggregated metrics) ----------------------------------------------------
    @abstractmethod
    def increment_rollups(self, increments: Sequence[RollupIncrement]) -> None:
        """Atomically add each increment's count and total to its (bucket, metric, key) row,
        creating the row if needed."""

    @abstractmethod
    def query_rollups(
        self, metric: str, since: datetime, until: datetime | None = None
    ) -> list[RollupRow]:
        """Rows of ``metric`` with since <= bucket (< until if given), ordered by bucket, key."""

    @abstractmethod
    def replace_rollups(
        self,
        metrics: Sequence[str],
        since: datetime,
        until: datetime,
        increments: Sequence[RollupIncrement],
    ) -> int:
        """Delete the rows of ``metrics`` with since <= bucket < until, then add
        ``increments`` (each must be of one of ``metrics`` and inside the range); returns the
        number of rows written. One transaction where the backend has them (SQLite)."""

    # --- cursors, leases, workers, audit ----------------------------------------------------
    @abstractmethod
    def get_cursor(self, key: str) -> str | None:
        """The stored cursor value for ``key`` (e.g. a trigger's mailbox position)."""

    @abstractmethod
    def set_cursor(self, key: str, value: str) -> None:
        """Store the cursor value for ``key``."""

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

    # --- real mailboxes (issue 5): quarantine, thread fallback, source health ---------------
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
    def find_thread_by_key(self, mailbox: str, thread_key: str, since: datetime) -> Email | None:
        """The newest email (by ``received_at``) of ``mailbox`` with ``thread_key`` received at
        or after ``since``, or None: the open conversation a header-less reply belongs to."""

    @abstractmethod
    def merge_threads(self, source_thread_id: str, target_thread_id: str) -> int:
        """Move every email of ``source_thread_id`` into ``target_thread_id``; return how many."""

    @abstractmethod
    def save_source_health(self, health: SourceHealth) -> None:
        """Upsert the health row of ``health.source_key``."""

    @abstractmethod
    def get_source_health(self, source_key: str) -> SourceHealth | None:
        """The health row of ``source_key``, or None."""

    @abstractmethod
    def list_source_health(self) -> list[SourceHealth]:
        """Every health row, ordered by ``source_key``."""

    @abstractmethod
    def find_email_in_mailbox(self, mailbox: str, message_id: str) -> Email | None:
        """The email of ``mailbox`` with this Message-ID, or None (the natural key's lookup)."""

    # --- AI (issue 4): agents' category corrections -----------------------------------------
    @abstractmethod
    def save_correction(self, correction: CategoryCorrection) -> None:
        """Store ``correction``, replacing an earlier one of the same approval."""

    @abstractmethod
    def list_corrections(self, limit: int = 10_000) -> list[CategoryCorrection]:
        """Corrections, oldest first (the order the local model is trained in)."""

    # --- data protection (issue 8): key rotation, privacy, retention ------------------------
    @abstractmethod
    def reseal_all(self) -> dict[str, int]:
        """Re-encrypt every stored protected value under the current key (values stored in clear
        before a key was set are encrypted too); return, per table / collection, how many rows
        were rewritten. Without a configured key, a row holding encrypted values raises
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
        """Delete the finished records of ``collection`` (a ``RETENTION_COLLECTIONS`` name)
        older than ``before``; return how many. Never deleted: unfinished executions, pending
        approvals, outbox messages still sending, and emails an unfinished execution needs."""


def sum_rollup_increments(
    metrics: Sequence[str],
    since: datetime,
    until: datetime,
    increments: Sequence[RollupIncrement],
) -> dict[tuple[datetime, str, str], tuple[int, float]]:
    """``increments`` summed per (bucket, metric, key), for ``Store.replace_rollups``; refuses
    one that is not among the rows being replaced."""
    rows: dict[tuple[datetime, str, str], tuple[int, float]] = {}
    for increment in increments:
        if increment.metric not in metrics or not since <= increment.bucket < until:
            raise ValueError(
                f"rollup {increment.metric!r} at {increment.bucket.isoformat()} is outside the "
                f"rows being replaced ({', '.join(metrics)} from {since.isoformat()} "
                f"to {until.isoformat()})"
            )
        count, total = rows.get((increment.bucket, increment.metric, increment.key), (0, 0.0))
        rows[(increment.bucket, increment.metric, increment.key)] = (
            count + increment.count,
            total + increment.total,
        )
    return rows
