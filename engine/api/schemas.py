"""What the API reads and answers, as pydantic models: they validate requests (unknown fields
refused) and make the OpenAPI schema. Stored records are answered as the engine's own models."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from engine.service import (
    MAX_DRY_RUN_EMAILS,
    ApprovalAssumption,
    EmailChoice,
    ExecutionLog,
    RetryMode,
    Workflow,
)


class Strict(BaseModel):
    """A request body: a field the API does not know is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class PositionIn(Strict):
    x: float
    y: float


class NodeIn(Strict):
    """One node of the graph; ``config`` is checked against its type's JSON Schema
    (``GET /api/v1/node-types/{id}``)."""

    node_id: str = Field(min_length=1, max_length=100)
    node_type_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    position: PositionIn = PositionIn(x=0, y=0)
    config: dict[str, Any] = Field(default_factory=dict)
    join: Literal["all", "any"] = "all"
    timeout_seconds: float | None = Field(default=None, gt=0)


class ConnectionIn(Strict):
    connection_id: str = Field(min_length=1, max_length=100)
    source_node_id: str
    target_node_id: str
    source_output: str = "main"
    target_input: str = "main"


class WorkflowDefinition(Strict):
    """What a version of a workflow defines."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    workflow_type: str = "email_automation"
    tags: list[str] = Field(default_factory=list, max_length=50)
    nodes: list[NodeIn] = Field(min_length=1, max_length=500)
    connections: list[ConnectionIn] = Field(default_factory=list, max_length=2000)

    def workflow(self, workflow_id: str) -> Workflow:
        """The engine's workflow for this definition."""
        fields = self.model_dump(exclude={"nodes", "connections"})
        graph = {
            "nodes": [node.model_dump() for node in self.nodes],
            "connections": [connection.model_dump() for connection in self.connections],
        }
        return Workflow.model_validate({**fields, "workflow_id": workflow_id, "visual_data": graph})


class WorkflowCreate(WorkflowDefinition):
    """A new workflow; it starts switched off."""

    workflow_id: str = Field(
        default_factory=lambda: f"wf_{uuid.uuid4().hex[:12]}",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
    )


class WorkflowUpdate(WorkflowDefinition):
    """A new version of a workflow, edited from ``base_version`` (409 if another was saved
    since)."""

    base_version: int = Field(ge=1)
    change: str = Field(default="edited through the API", max_length=500)


class DryRunIn(Strict):
    """Which stored emails to run, and which definition: ``email_ids``, or the newest
    ``limit`` emails received in a range (optionally only those a past execution classified
    as ``category``, or of ``past_workflow_id``); the current version, ``version``, or an
    unsaved ``definition``. ``approvals``: stop at an Approval node as live (``wait``), or
    go on as if the draft were approved or rejected."""

    email_ids: list[str] = Field(default_factory=list, max_length=MAX_DRY_RUN_EMAILS)
    received_from: AwareDatetime | None = None
    received_before: AwareDatetime | None = None
    category: str | None = Field(default=None, min_length=1, max_length=100)
    past_workflow_id: str | None = Field(default=None, min_length=1, max_length=100)
    limit: int = Field(default=100, ge=1, le=MAX_DRY_RUN_EMAILS)
    version: int | None = Field(default=None, ge=1)
    definition: WorkflowDefinition | None = None
    approvals: ApprovalAssumption = "wait"

    @model_validator(mode="after")
    def _one_choice_each(self) -> DryRunIn:
        if self.version is not None and self.definition is not None:
            raise ValueError("give a version or a definition, not both")
        filters = (self.received_from, self.received_before, self.category, self.past_workflow_id)
        if self.email_ids and any(value is not None for value in filters):
            raise ValueError("give email_ids or a filter, not both")
        return self

    def choice(self) -> EmailChoice:
        """The engine's choice of emails this body names."""
        return EmailChoice(
            email_ids=tuple(self.email_ids),
            received_from=self.received_from,
            received_before=self.received_before,
            category=self.category,
            past_workflow_id=self.past_workflow_id,
            limit=self.limit,
        )


class ExecutionPage(BaseModel):
    """A page of executions, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[ExecutionLog]
    next_cursor: str | None


class RetryIn(Strict):
    mode: RetryMode = "failed_node"


class ApproveIn(Strict):
    """Approve the draft, edited if ``subject`` or ``body`` is given."""

    subject: str | None = Field(default=None, max_length=998)
    body: str | None = Field(default=None, min_length=1, max_length=100_000)


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class ReassignIn(Strict):
    """Give the approval to ``assignee`` (null: back to the whole queue)."""

    assignee: str | None


class CorrectIn(Strict):
    category: str = Field(min_length=1, max_length=100)


class NodeTypeOut(BaseModel):
    type_id: str
    display_name: str
    category: str
    description: str
    outputs: list[str]
    config_schema: dict[str, Any]


class RollupPoint(BaseModel):
    bucket: str
    key: str
    count: int
    total: float


class MetricsOut(BaseModel):
    """Hourly rollups of one metric over a range, and the engine's totals now."""

    metric: str
    since: str
    until: str | None
    points: list[RollupPoint]
    summary: dict[str, Any]


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    workers_alive: int
    detail: str


class MailboxTestIn(Strict):
    """Try a mailbox: ``config`` is an email trigger's config (its JSON Schema is at
    ``GET /api/v1/node-types/email_trigger``). The password is never sent: it is the one in
    ``MAILROOM_IMAP_PASSWORD`` (IMAP), ``MAILROOM_POP3_PASSWORD`` (POP3) or in the variable
    ``password_env`` names."""

    kind: Literal["mailbox"]
    config: dict[str, Any]


class SenderTestIn(Strict):
    """Try the reply sender the settings name, or another one (secrets from the settings)."""

    kind: Literal["sender"]
    email_sender: Literal["demo", "smtp", "sendgrid", "brevo", "gmail"] | None = None
    smtp_host: str | None = Field(default=None, min_length=1, max_length=253)
    smtp_port: int | None = Field(default=None, ge=1, le=65_535)
    smtp_security: Literal["ssl", "starttls", "none"] | None = None
    smtp_username: str | None = Field(default=None, max_length=320)


class AiTestIn(Strict):
    """Try an AI provider alone (no fallback) on a short made-up email."""

    kind: Literal["ai"]
    provider: Literal["local", "openai", "azure", "compatible", "anthropic"] = "local"
    model: str = Field(default="", max_length=200)


ConnectionTestIn = Annotated[MailboxTestIn | SenderTestIn | AiTestIn, Field(discriminator="kind")]


class StepOut(BaseModel):
    stage: str
    ok: bool
    detail: str


class ConnectionTestOut(BaseModel):
    """What the test found: ``ok``, or the ``stage`` that failed (``config``, ``dns``,
    ``connect``, ``greeting``, ``tls``, ``ehlo``, ``auth``, ``select``, ``stat``, ``read``,
    ``classify``...) with why; every stage tried, in order. Never a secret."""

    kind: str
    target: str
    ok: bool
    stage: str | None
    detail: str
    steps: list[StepOut]
