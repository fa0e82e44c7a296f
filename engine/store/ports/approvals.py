"""The approvals aggregate: human decisions on drafts, and the category corrections agents make.

An approval is a durable wait: one per (execution, node), decided once, by whoever is first.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from engine.models import Approval, ApprovalStatus, CategoryCorrection


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
