"""The approvals aggregate: human decisions on drafts, and the category corrections agents make.

An approval is a durable wait: one per (execution, node), decided once, by whoever is first.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from engine.models import Approval, ApprovalStatus, CategoryCorrection
from providers.ai import guard_defaults


class SlaState(StrEnum):
    """Where a draft stands against its due time."""

    OVERDUE = "overdue"
    DUE_SOON = "due soon"
    ON_TIME = "on time"


class QueueOrder(StrEnum):
    """How the queue is sorted."""

    URGENCY = "most urgent"  # priority, then due time, then oldest
    DUE = "due first"  # due time only (no due time last), then oldest
    RECEIVED = "newest"  # the email's arrival, newest first


class QueueQuery(BaseModel):
    """One page of the approval queue: filters (None or empty: any), order and page.

    ``search`` terms are all required; each matches the email's subject, the customer's name or
    address, or the email's text (see ``engine.store._queue`` for how, with and without an
    encryption key). ``held`` is the guard rails' "needs a person" flag, judged with
    ``min_confidence`` and ``max_frustration`` as ``engine.ai_guard.held_reasons`` does;
    ``reason`` one of its kinds (``engine.models.GUARD_REASON_KINDS``). ``unassigned`` keeps
    only drafts given to nobody; ``assignee`` only those given to that person.
    """

    status: ApprovalStatus | None = ApprovalStatus.PENDING
    search: str = ""
    category: str | None = None
    priority: str | None = None
    held: bool | None = None
    reason: str | None = None
    assignee: str | None = None
    unassigned: bool = False
    sla: SlaState | None = None
    now: datetime | None = None
    due_soon: timedelta = timedelta(hours=1)
    order: QueueOrder = QueueOrder.URGENCY
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=25, ge=1, le=500)
    min_confidence: float = guard_defaults.MIN_CONFIDENCE
    max_frustration: float = guard_defaults.MAX_FRUSTRATION


@dataclass(frozen=True)
class QueuePage:
    """The approvals of one page and how many match the query in all."""

    items: list[Approval]
    total: int
    offset: int
    limit: int

    @property
    def page(self) -> int:
        """This page's number, from 1."""
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        """How many pages the matching approvals fill (1 when none match)."""
        return max(1, -(-self.total // self.limit))


class ApprovalStore(ABC):
    """Approvals (unique per execution and node) and agents' category corrections."""

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
    def queue_page(self, query: QueueQuery) -> QueuePage:
        """The page of approvals ``query`` asks for, and how many match it in all."""

    @abstractmethod
    def mark_viewing(
        self, approval_id: str, person: str, at: datetime, forget_before: datetime
    ) -> None:
        """Record that ``person`` has the approval open at ``at`` (one mark per approval and
        person, the latest kept); drop every mark older than ``forget_before``."""

    @abstractmethod
    def list_viewers(self, approval_id: str, since: datetime) -> dict[str, datetime]:
        """Who had the approval open at or after ``since``, each with their latest mark."""

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

    @abstractmethod
    def save_correction(self, correction: CategoryCorrection) -> None:
        """Store ``correction``, replacing an earlier one of the same approval."""

    @abstractmethod
    def list_corrections(self, limit: int = 10_000) -> list[CategoryCorrection]:
        """Corrections, oldest first (the order the local model is trained in)."""
