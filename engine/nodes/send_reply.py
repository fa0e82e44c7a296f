"""Send Reply: send the approved reply on the customer's thread, exactly once."""

from __future__ import annotations

from datetime import datetime

from engine.models import OutboxKind, OutboxMessage, RollupIncrement
from engine.nodes.base import (
    NodeCategory,
    NodeConfig,
    NodeContext,
    NodeResult,
    NodeType,
    RetryPolicy,
)
from engine.nodes.registry import register
from engine.rollups import UNCATEGORISED, reply_sent_increments
from engine.side_effects import perform_once
from providers.email.base import OutgoingEmail
from providers.email.subjects import reply_subject
from providers.errors import PermanentProviderError


class SendReplyConfig(NodeConfig):
    from_address: str | None = None


def _reply_metrics(
    ctx: NodeContext, received_at: datetime, sent_at: datetime
) -> list[RollupIncrement]:
    classification = ctx.data.get("classification") or {}
    decision = ctx.data.get("decision") or {}
    approval = (
        ctx.store.get_approval(decision["approval_id"]) if decision.get("approval_id") else None
    )
    return reply_sent_increments(
        received_at=received_at,
        sent_at=sent_at,
        category=str(classification.get("category") or UNCATEGORISED),
        due_at=approval.due_at if approval else None,
        decided_by=approval.decided_by if approval else None,
    )


@register
class SendReply(NodeType[SendReplyConfig]):
    type_id = "send_reply"
    display_name = "Send Reply"
    category = NodeCategory.ACTION
    description = "Sends the approved (or drafted) reply on the customer's thread."
    config_model = SendReplyConfig
    retry_policy = RetryPolicy(max_attempts=5, initial_wait_seconds=0.5, max_wait_seconds=30.0)

    def run(self, ctx: NodeContext, config: SendReplyConfig) -> NodeResult:
        email = ctx.email
        if email is None:
            raise PermanentProviderError("the Send Reply node needs an email to answer")
        if email.auto_reply:
            # Answering an auto-reply, a bounce or list mail is how mail loops start.
            return NodeResult(output={"sent": None, "not_sent": email.auto_reply})
        decision = ctx.data.get("decision") or {}
        classification = ctx.data.get("classification") or {}
        if classification.get("needs_review") and decision.get("status") != "approved":
            # The second guard rail: whatever the graph, an email the guard rails flagged is
            # only ever answered with a reply a person approved.
            raise PermanentProviderError(
                "guard rail: this email must be seen by a person ("
                + "; ".join(classification.get("review_reasons") or ["flagged"])
                + ") and no person approved this reply"
            )
        draft = ctx.data.get("draft") or {}
        subject = decision.get("subject") or draft.get("subject") or reply_subject(email.subject)
        body = decision.get("body") or draft.get("body")
        if not body:
            raise PermanentProviderError("there is no approved or drafted reply to send")
        key = f"reply:{ctx.execution.execution_id}:{ctx.node.node_id}"
        outgoing = OutgoingEmail(
            message_id=f"<{key.replace(':', '.')}@{ctx.settings.reply_from_address.split('@')[1]}>",
            from_address=config.from_address or ctx.settings.reply_from_address,
            to_address=email.from_address,
            subject=reply_subject(subject),
            body_text=body,
            in_reply_to=email.message_id,
            references=[*email.references, email.message_id],
            provider_thread_id=email.provider_thread_id,
        )
        message = OutboxMessage(
            idempotency_key=key,
            kind=OutboxKind.REPLY,
            execution_id=ctx.execution.execution_id,
            workflow_id=ctx.workflow.workflow_id,
            email_id=email.email_id,
            channel="email",
            to=outgoing.to_address,
            subject=outgoing.subject,
            body=outgoing.body_text,
            in_reply_to=outgoing.in_reply_to,
            references=outgoing.references,
        )

        sent_now: list[bool] = []

        def send() -> str:
            sent_now.append(True)
            return ctx.providers.sender.send(outgoing).provider_message_id

        def confirm() -> str | None:
            receipt = ctx.providers.sender.find_sent(outgoing.message_id)
            return receipt.provider_message_id if receipt is not None else None

        record = perform_once(
            ctx.store, message, send, ctx.now, ensure_lease=ctx.ensure_lease, confirm=confirm
        )
        if sent_now and record.sent_at is not None:
            ctx.rollups.extend(_reply_metrics(ctx, email.received_at, record.sent_at))
        return NodeResult(
            output={
                "sent": {
                    "message_id": outgoing.message_id,
                    "to": record.to,
                    "at": str(record.sent_at),
                }
            }
        )
