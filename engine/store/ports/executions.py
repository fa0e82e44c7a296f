"""The executions aggregate: one run of a workflow over one email, with its node runs.

Workers take executions with an atomic claim that sets an owner, an attempt number and a lease;
every later write of theirs is fenced on (owner, attempt), so a worker whose lease expired
cannot overwrite the execution's new owner.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from engine.models import ExecutionLog, ExecutionStatus, NodeStatusCount, RollupIncrement


class ExecutionStore(ABC):
    """Executions: created once per (workflow, email), claimed under a lease, fenced writes."""

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
        before: tuple[datetime, str] | None = None,
    ) -> list[ExecutionLog]:
        """Executions matching every given filter, newest ``created_at`` first.

        ``since`` compares with ``created_at`` (inclusive). ``before`` is a page cursor: the
        (``created_at``, ``execution_id``) of the last execution of the previous page; only
        executions after it in this order are returned.
        """

    @abstractmethod
    def list_executions_changed(
        self, since: datetime, workflow_id: str | None = None, limit: int = 100
    ) -> list[ExecutionLog]:
        """Executions whose ``updated_at`` is at or after ``since`` (of one workflow, if given),
        oldest change first (``updated_at``, then ``execution_id``): what the live stream
        polls, in any process, to see every status change."""

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

    def claim_executions(
        self, owner: str, lease_until: datetime, now: datetime, limit: int
    ) -> list[ExecutionLog]:
        """Claim up to ``limit`` of the oldest pending executions, as ``claim_execution``
        claims one, oldest first. A backend that can claims them in one statement; this
        default claims them one by one."""
        claimed: list[ExecutionLog] = []
        while len(claimed) < limit:
            execution = self.claim_execution(owner, lease_until, now)
            if execution is None:
                break
            claimed.append(execution)
        return claimed

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

        ``rollups`` are added (as ``RollupStore.increment_rollups`` does) only if the execution
        was written, in the same transaction where the backend has one: a run's last write and
        the metrics of what it did land together.

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
