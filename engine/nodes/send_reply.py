"""Send Reply: send the approved reply on the customer's thread, exactly once."""

from __future__ import annotations

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
from engine.side_effects import perform_once
from providers.email.base import OutgoingEmail
from providers.errors import PermanentProviderError


class SendReplyConfig(NodeConfig):
    from_address: str | None = None


def reply_subject(subject: str) -> str:
    """``subject`` with one "Re: " in front."""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


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

        def send() -> str:
            return ctx.providers.sender.send(outgoing).provider_message_id

        def confirm() -> str | None:
            receipt = ctx.providers.sender.find_sent(outgoing.message_id)
            return receipt.provider_message_id if receipt is not None else None

        record = perform_once(
            ctx.store, message, send, ctx.now, ensure_lease=ctx.ensure_lease, confirm=confirm
        )
        return NodeResult(
            output={
                "sent": {
                    "message_id": outgoing.message_id,
                    "to": record.to,
                    "at": str(record.sent_at),
                }
            }
        )
