"""Pydantic models for everything the engine stores.

The shapes follow the original specification (workflow, execution log, node executions) plus
the records the product needs around them: emails, approvals, the outbox, rollups, workers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from providers.ai.base import Classification, DraftReply
from providers.email.base import InboundEmail


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC, to the millisecond: what both stores keep
    (BSON dates hold milliseconds), so a time reads back equal to what was written."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_id(prefix: str) -> str:
    """A new random id with a readable prefix, e.g. ``exe_3f2a...``."""
    return f"{prefix}_{uuid.uuid4().hex}"


#: Who acts when the engine itself decides or audits something (an approval timed out).
SYSTEM_ACTOR = "mailroom"


class WorkflowStatus(StrEnum):
    """On (new emails start executions), off, or archived."""

    ACTIVE = "active"
    OFF = "off"
    ARCHIVED = "archived"

    @classmethod
    def _missing_(cls, value: object) -> WorkflowStatus | None:
        # Versions before issue 27 stored a workflow switched off as "draft"; it means off.
        return cls.OFF if value == "draft" else None

    def stored_as(self) -> list[str]:
        """Every value a store may hold for this status (older versions wrote "draft")."""
        return [self.value, "draft"] if self is WorkflowStatus.OFF else [self.value]


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    # Parked on a human (an approval); no worker holds it.
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"
    PAUSED = "paused"
    CANCELLED = "cancelled"


FINAL_EXECUTION_STATUSES = frozenset(
    {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED}
)


class NodeStatus(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


class TriggeredBy(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    API = "api"


class Position(BaseModel):
    x: float
    y: float


JoinMode = Literal["all", "any"]


class WorkflowNode(BaseModel):
    node_id: str
    node_type_id: str
    name: str
    position: Position
    config: dict[str, Any] = Field(default_factory=dict)
    # With several inputs: "all" waits until every input is decided (runs if any fired),
    # "any" runs as soon as one input fires.
    join: JoinMode = "all"
    # Wall-clock budget for the node, retries included; None takes the engine's default.
    timeout_seconds: float | None = Field(default=None, gt=0)


class Connection(BaseModel):
    connection_id: str
    source_node_id: str
    target_node_id: str
    source_output: str = "main"
    target_input: str = "main"


class VisualData(BaseModel):
    nodes: list[WorkflowNode] = Field(default_factory=list)
    connections: list[Connection] = Field(default_factory=list)

    def node(self, node_id: str) -> WorkflowNode:
        """The node with ``node_id``; ``KeyError`` if there is none."""
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise KeyError(node_id)


class Workflow(BaseModel):
    workflow_id: str
    name: str
    description: str = ""
    workflow_type: str = "email_automation"
    status: WorkflowStatus = WorkflowStatus.OFF
    tags: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    execution_count: int = 0
    last_executed_at: datetime | None = None
    version: int = 1
    visual_data: VisualData = Field(default_factory=VisualData)


class NodeExecution(BaseModel):
    node_id: str
    status: NodeStatus = NodeStatus.WAITING
    started_at: datetime | None = None
    completed_at: datetime | None = None
    input_data: dict[str, Any] = Field(default_factory=dict)
    output_data: dict[str, Any] = Field(default_factory=dict)
    # Which of the node's outputs fired ("main", or "true"/"false" for a condition).
    active_outputs: list[str] = Field(default_factory=list)
    error: str | None = None
    retry_count: int = 0


class ExecutionMetrics(BaseModel):
    total_runtime_ms: float = 0.0
    nodes_executed: int = 0
    emails_processed: int = 0
    success_rate: float = 0.0


ControlRequest = Literal["pause", "cancel"]


class ExecutionLog(BaseModel):
    execution_id: str = Field(default_factory=lambda: new_id("exe"))
    workflow_id: str
    workflow_version: int
    email_id: str | None = None
    status: ExecutionStatus = ExecutionStatus.PENDING
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    triggered_by: TriggeredBy = TriggeredBy.SCHEDULE
    input_data: dict[str, Any] = Field(default_factory=dict)
    node_executions: list[NodeExecution] = Field(default_factory=list)
    metrics: ExecutionMetrics = Field(default_factory=ExecutionMetrics)
    error: str | None = None
    # Denormalised from the classification, for filters on the live page.
    category: str | None = None
    priority: str | None = None
    # Claim and fencing: who runs it, which claim this is, until when the claim holds.
    owner: str | None = None
    attempt: int = 0
    lease_until: datetime | None = None
    control_request: ControlRequest | None = None
    waiting_on_node: str | None = None

    def find_run(self, node_id: str) -> NodeExecution | None:
        """The run record of ``node_id`` if the node was reached, without creating one."""
        for run in self.node_executions:
            if run.node_id == node_id:
                return run
        return None

    def node_run(self, node_id: str) -> NodeExecution:
        """The run record of ``node_id``, created on first use."""
        for run in self.node_executions:
            if run.node_id == node_id:
                return run
        run = NodeExecution(node_id=node_id)
        self.node_executions.append(run)
        return run


class Email(InboundEmail):
    """An inbound email as stored: unique on (mailbox, message_id)."""

    email_id: str = Field(default_factory=lambda: new_id("eml"))
    thread_id: str
    ingested_at: datetime = Field(default_factory=utcnow)


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


EscalationAction = Literal["notify", "reassign", "reject"]


#: Each kind of reason the guard rails hold an email for a person (the words a reason starts
#: with, and the kind's name), as counted on the Metrics page and by ``engine status``.
GUARD_REASON_KINDS: tuple[tuple[str, str], ...] = (
    ("low confidence", "low confidence"),
    ("angry customer", "angry customer"),
    ("tries to instruct the model", "prompt injection"),
    ("no valid model output", "no valid model output"),
)
OTHER_GUARD_REASON = "other"


def guard_reason_kind(reason: str) -> str:
    """The kind of one guard-rail reason (:data:`GUARD_REASON_KINDS`), or ``other``."""
    return next(
        (kind for start, kind in GUARD_REASON_KINDS if reason.startswith(start)),
        OTHER_GUARD_REASON,
    )


class Approval(BaseModel):
    """A draft waiting for (or decided by) a human; unique on (execution_id, node_id)."""

    approval_id: str = Field(default_factory=lambda: new_id("apr"))
    execution_id: str
    workflow_id: str
    node_id: str
    email_id: str
    status: ApprovalStatus = ApprovalStatus.PENDING
    priority: str = "normal"
    priority_rank: int = 2
    created_at: datetime = Field(default_factory=utcnow)
    due_at: datetime | None = None
    classification: Classification
    draft: DraftReply
    decided_at: datetime | None = None
    decided_by: str | None = None
    final_subject: str | None = None
    final_body: str | None = None
    edited: bool = False
    # Escalation when nobody decides in time (from the Approval node's config).
    escalate_at: datetime | None = None
    on_timeout: EscalationAction = "notify"
    escalate_to: str = ""
    escalated_at: datetime | None = None
    assigned_to: str | None = None
    reason: str | None = None


class OutboxKind(StrEnum):
    REPLY = "reply"
    NOTIFICATION = "notification"


class OutboxStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(BaseModel):
    """A side effect (reply or notification), unique on ``idempotency_key``.

    It is reserved before the provider is called and marked sent after, so a retry finds the
    reservation and never repeats the effect.
    """

    idempotency_key: str
    kind: OutboxKind
    execution_id: str
    workflow_id: str
    email_id: str | None = None
    channel: str
    to: str
    subject: str
    body: str
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    status: OutboxStatus = OutboxStatus.SENDING
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    provider_message_id: str | None = None
    error: str | None = None


class RollupIncrement(BaseModel):
    """Add ``count`` and ``total`` to the rollup row (bucket, metric, key)."""

    bucket: datetime  # start of the hour, UTC
    metric: str
    key: str
    count: int = 1
    total: float = 0.0


class RollupRow(BaseModel):
    bucket: datetime
    metric: str
    key: str
    count: int
    total: float


class WorkerInfo(BaseModel):
    worker_id: str
    hostname: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


class AuditEntry(BaseModel):
    audit_id: str = Field(default_factory=lambda: new_id("aud"))
    at: datetime = Field(default_factory=utcnow)
    actor: str
    role: str
    action: str
    target: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class NodeStatusCount(BaseModel):
    node_id: str
    status: NodeStatus
    count: int


# --- real mailboxes ------------------------------------------------------------------


class QuarantinedMessage(BaseModel):
    """A message that could not be read, kept with its reason and its bytes for a person.

    Unique on ``quarantine_key`` (the mailbox and the hash of the bytes), so fetching the same
    bad message again does not quarantine it twice.
    """

    quarantine_key: str
    mailbox: str
    source: str
    reason: str
    origin: str = ""
    raw_base64: str
    size_bytes: int
    received_at: datetime = Field(default_factory=utcnow)


class SourceHealth(BaseModel):
    """How polling one mailbox goes: for the Settings page and the stalled-mailbox alert."""

    source_key: str
    workflow_id: str
    node_id: str
    source: str
    mailbox: str
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_errors: int = 0
    total_errors: int = 0
    total_ingested: int = 0
    total_quarantined: int = 0
    #: Seconds between the newest stored email's arrival and its storage, at the last poll.
    lag_seconds: float | None = None
    #: When the alert for the current run of failures was sent (cleared by the next success).
    alerted_at: datetime | None = None


# --- AI ----------------------------------------------------------------------------
class CategoryCorrection(BaseModel):
    """An agent's correction of an email's category: training signal for the local model.

    One per approval (a later correction of the same approval replaces it).
    """

    approval_id: str
    email_id: str
    text: str
    original_category: str
    corrected_category: str
    corrected_by: str
    corrected_at: datetime = Field(default_factory=utcnow)


# --- data protection ---------------------------------------------------------------
class CustomerRecords(BaseModel):
    """Everything stored about one customer: their emails and what was made from them."""

    emails: list[Email] = Field(default_factory=list)
    executions: list[ExecutionLog] = Field(default_factory=list)
    approvals: list[Approval] = Field(default_factory=list)
    outbox: list[OutboxMessage] = Field(default_factory=list)
    corrections: list[CategoryCorrection] = Field(default_factory=list)
    quarantine: list[QuarantinedMessage] = Field(default_factory=list)
    audit: list[AuditEntry] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many records of each kind."""
        return {name: len(getattr(self, name)) for name in type(self).model_fields}


class ApiToken(BaseModel):
    """An API token as stored: only the SHA-256 of the secret, never the secret itself.

    Unique on ``name`` (the name the audit log shows) and on ``token_hash``. A token acts with
    ``role`` until ``expires_at`` (None: no expiry) or until it is revoked.
    """

    token_id: str = Field(default_factory=lambda: new_id("tok"))
    name: str
    role: str
    token_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    #: When a call last presented it (recorded at most once a minute: see the service).
    last_used_at: datetime | None = None
