"""The service: every operation group joined into the one class pages, the CLI and the API call."""

from __future__ import annotations

from engine.service.administration import AdministrationOperations
from engine.service.approvals import ApprovalOperations
from engine.service.connections import ConnectionOperations
from engine.service.deliveries import DeliveryOperations
from engine.service.executions import ExecutionOperations
from engine.service.history import HistoryOperations
from engine.service.metrics import MetricsOperations
from engine.service.privacy import PrivacyOperations
from engine.service.queue import QueueOperations
from engine.service.tokens import TokenOperations
from engine.service.workflows import WorkflowOperations


class MailroomService(
    WorkflowOperations,
    ExecutionOperations,
    DeliveryOperations,
    QueueOperations,
    ApprovalOperations,
    HistoryOperations,
    MetricsOperations,
    AdministrationOperations,
    PrivacyOperations,
    TokenOperations,
    ConnectionOperations,
):
    """The engine's service API: reads and commands, each checked against the actor's role
    (:mod:`engine.service.permissions`) and audited when it changes something."""
