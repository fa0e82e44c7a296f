"""Approval: a durable wait for a human to approve, edit or reject the draft."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field, model_validator

from engine.models import Approval, ApprovalStatus, EscalationAction
from engine.nodes.base import NodeCategory, NodeConfig, NodeContext, NodeResult, NodeType
from engine.nodes.registry import register
from providers.ai.base import PRIORITY_RANK, Classification, DraftReply
from providers.errors import PermanentProviderError


class ApprovalConfig(NodeConfig):
    """The SLA per priority (hours from the email's arrival) and what happens when nobody
    decides in time: after ``timeout_minutes`` in the queue, or when the SLA is breached."""

    sla_hours: float = Field(
        default=4.0, gt=0, description="Time to answer a normal-priority email (the SLA)."
    )
    urgent_sla_hours: float = Field(default=1.0, gt=0, description="SLA of urgent emails.")
    high_sla_hours: float | None = Field(
        default=None, gt=0, description="SLA of high-priority emails (empty: the normal SLA)."
    )
    low_sla_hours: float | None = Field(
        default=None, gt=0, description="SLA of low-priority emails (empty: the normal SLA)."
    )
    timeout_minutes: float | None = Field(
        default=None, gt=0, description="Escalate when nobody decides within this time."
    )
    escalate_on_sla_breach: bool = Field(
        default=False,
        description="Escalate when the SLA is breached (the earlier of this and the timeout).",
    )
    on_timeout: EscalationAction = Field(
        default="notify",
        description="notify a channel, reassign to someone, or reject the draft (nothing sent).",
    )
    escalate_to: str = Field(
        default="",
        description="The channel to notify, or the person to reassign to.",
    )

    @model_validator(mode="after")
    def _reassign_needs_someone(self) -> ApprovalConfig:
        if self.on_timeout == "reassign" and not self.escalate_to.strip():
            raise ValueError("escalate_to must name the person to reassign to")
        return self

    def sla_for(self, priority: str) -> float:
        """The SLA in hours of an email of ``priority``."""
        hours = {
            "urgent": self.urgent_sla_hours,
            "high": self.high_sla_hours,
            "low": self.low_sla_hours,
        }.get(priority)
        return self.sla_hours if hours is None else hours

    def due_at(self, priority: str, received_at: datetime) -> datetime:
        """When an email of ``priority`` received at ``received_at`` must be answered."""
        return received_at + timedelta(hours=self.sla_for(priority))

    def escalate_at(self, now: datetime, due_at: datetime) -> datetime | None:
        """When a draft queued at ``now`` and due at ``due_at`` escalates, if it does."""
        moments = [now + timedelta(minutes=self.timeout_minutes)] if self.timeout_minutes else []
        if self.escalate_on_sla_breach:
            moments.append(due_at)
        return min(moments, default=None)


@register
class ApprovalNode(NodeType[ApprovalConfig]):
    type_id = "approval"
    display_name = "Approval"
    category = NodeCategory.HUMAN
    description = "Puts the draft in the agents' queue and waits for approve, edit or reject."
    config_model = ApprovalConfig
    outputs = ("approved", "rejected")

    def run(self, ctx: NodeContext, config: ApprovalConfig) -> NodeResult:
        execution = ctx.execution
        existing = ctx.store.find_approval(execution.execution_id, ctx.node.node_id)
        if existing is None:
            if ctx.email is None or "draft" not in ctx.data or "classification" not in ctx.data:
                raise PermanentProviderError("the Approval node needs an email and a draft")
            classification = Classification.model_validate(ctx.data["classification"])
            due_at = config.due_at(classification.priority, ctx.email.received_at)
            existing = ctx.store.create_approval(
                Approval(
                    execution_id=execution.execution_id,
                    workflow_id=ctx.workflow.workflow_id,
                    node_id=ctx.node.node_id,
                    email_id=ctx.email.email_id,
                    priority=classification.priority,
                    priority_rank=PRIORITY_RANK[classification.priority],
                    created_at=ctx.now(),
                    due_at=due_at,
                    escalate_at=config.escalate_at(ctx.now(), due_at),
                    on_timeout=config.on_timeout,
                    escalate_to=config.escalate_to,
                    classification=classification,
                    draft=DraftReply.model_validate(ctx.data["draft"]),
                )
            )
        if existing.status == ApprovalStatus.PENDING:
            return NodeResult(output={"approval_id": existing.approval_id}, wait=True)
        decision = {
            "approval_id": existing.approval_id,
            "status": existing.status.value,
            "decided_by": existing.decided_by,
            "subject": existing.final_subject,
            "body": existing.final_body,
            "edited": existing.edited,
            "reason": existing.reason,
        }
        return NodeResult(output={"decision": decision}, fired_outputs=[existing.status.value])
