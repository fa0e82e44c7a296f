"""Email Trigger: where a workflow's emails come from. Polling lives in ``engine.mail.triggers``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from engine.nodes.base import NodeCategory, NodeConfig, NodeContext, NodeResult, NodeType
from engine.nodes.registry import register


class EmailTriggerConfig(NodeConfig):
    source: Literal["demo", "imap", "gmail", "sendgrid", "brevo"] = "demo"
    mailbox: str = "support@mailroom.example"
    check_interval_seconds: float = Field(default=15.0, ge=1.0, le=86_400.0)
    batch_size: int = Field(default=3, ge=1, le=10_000)
    max_emails: int | None = Field(
        default=None, ge=0, description="Stop polling after this many (demo source only)."
    )
    demo_seed: int | None = None
    demo_category_mix: dict[str, float] | None = Field(
        default=None, description="Demo source: relative weight of each category."
    )
    demo_priority_mix: dict[str, float] | None = None
    demo_sentiment_mix: dict[str, float] | None = None
    # --- real mailboxes; secrets are never here, only the name of where they are ---
    host: str | None = Field(default=None, description="IMAP server host name.")
    port: int | None = Field(default=None, ge=1, le=65_535, description="IMAP port (993/143).")
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: str | None = None
    password_env: str | None = Field(
        default=None,
        description="Environment variable holding the IMAP password; "
        "MAILROOM_IMAP_PASSWORD when unset.",
    )
    folder: str = "INBOX"
    after_processing: Literal["none", "seen", "move"] = Field(
        default="none", description="Flag stored mail \\Seen or move it to move_to."
    )
    move_to: str | None = None
    gmail_user: str = "me"
    gmail_label: str = "INBOX"
    alert_after_failures: int = Field(default=3, ge=1, le=1000)


@register
class EmailTrigger(NodeType[EmailTriggerConfig]):
    type_id = "email_trigger"
    display_name = "Email Trigger"
    category = NodeCategory.TRIGGER
    description = "Polls a mailbox; each new email starts one execution."
    config_model = EmailTriggerConfig
    inline = True

    def run(self, ctx: NodeContext, config: EmailTriggerConfig) -> NodeResult:
        if ctx.email is None:
            return NodeResult(output={"email": None})
        return NodeResult(
            output={"email": {"email_id": ctx.email.email_id, "mailbox": ctx.email.mailbox}}
        )
