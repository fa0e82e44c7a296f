"""Notification: tell a channel (Slack-style) about this email, once."""

from __future__ import annotations

from typing import Literal

from engine.deliveries import notify_once
from engine.models import OutboxKind, OutboxMessage
from engine.nodes.base import (
    NodeCategory,
    NodeConfig,
    NodeContext,
    NodeResult,
    NodeType,
    RetryPolicy,
)
from engine.nodes.registry import register
from providers.errors import PermanentProviderError
from providers.notify.base import Notification


class NotificationConfig(NodeConfig):
    channel: str = "#support-urgent"
    title: str = "Urgent customer email"
    severity: Literal["info", "warning", "urgent"] = "urgent"


@register
class NotificationNode(NodeType[NotificationConfig]):
    type_id = "notification"
    display_name = "Notification"
    category = NodeCategory.ACTION
    description = "Posts a message about the email to a team channel (Slack-style)."
    config_model = NotificationConfig
    retry_policy = RetryPolicy(max_attempts=5, initial_wait_seconds=0.5, max_wait_seconds=30.0)

    def run(self, ctx: NodeContext, config: NotificationConfig) -> NodeResult:
        email = ctx.email
        if email is None:
            raise PermanentProviderError("the Notification node needs an email to report")
        classification = ctx.data.get("classification") or {}
        fields = {
            "From": f"{email.from_name} <{email.from_address}>".strip(),
            "Subject": email.subject,
            "Category": str(classification.get("category", "unclassified")),
            "Priority": str(classification.get("priority", "unknown")),
        }
        notification = Notification(
            title=config.title,
            text=email.body_text[:280],
            severity=config.severity,
            fields=fields,
            channel=config.channel,
        )
        message = OutboxMessage(
            idempotency_key=f"notify:{ctx.execution.execution_id}:{ctx.node.node_id}",
            kind=OutboxKind.NOTIFICATION,
            execution_id=ctx.execution.execution_id,
            workflow_id=ctx.workflow.workflow_id,
            email_id=email.email_id,
            channel=config.channel,
            to=config.channel,
            subject=config.title,
            body=notification.text,
        )
        record = notify_once(
            ctx.store,
            ctx.providers.notifier,
            notification,
            message,
            ctx.now,
            ensure_lease=ctx.ensure_lease,
        )
        return NodeResult(
            output={"notification": {"channel": config.channel, "id": record.provider_message_id}}
        )
