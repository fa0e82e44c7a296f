"""The workflows aggregate: each workflow and every version of it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from engine.models import Workflow, WorkflowStatus


class WorkflowStore(ABC):
    """Workflows, versioned: a save never overwrites, it adds the next version."""

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
        """Switch a workflow on (active) or off without creating a new version; raise
        ``WorkflowNotFound``."""

    @abstractmethod
    def record_workflow_executions(self, workflow_id: str, count: int, at: datetime) -> None:
        """Add ``count`` to ``execution_count`` and set ``last_executed_at`` atomically; raise
        ``WorkflowNotFound``."""
