"""Email Trigger: where a workflow's emails come from. Polling lives in ``engine.mail.triggers``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from engine.nodes.base import (
    NodeCategory,
    NodeConfig,
    NodeContext,
    NodeResult,
    NodeType,
    applies_when,
)
from engine.nodes.registry import register

# Which source each setting is for: the demo generator, the mailboxes that are polled, and the
# IMAP and Gmail ones; SendGrid and Brevo push mail to the intake, so they need only the mailbox.
DEMO = applies_when(source=["demo"])
POLLED = applies_when(source=["demo", "imap", "gmail"])
MAILBOXES = applies_when(source=["imap", "gmail"])
IMAP = applies_when(source=["imap"])
GMAIL = applies_when(source=["gmail"])


class EmailTriggerConfig(NodeConfig):
    source: Literal["demo", "imap", "gmail", "sendgrid", "brevo"] = "demo"
    mailbox: str = "support@mailroom.example"
    check_interval_seconds: float = Field(
        default=15.0, ge=1.0, le=86_400.0, json_schema_extra=POLLED
    )
    batch_size: int = Field(default=3, ge=1, le=10_000, json_schema_extra=POLLED)
    max_emails: int | None = Field(
        default=None,
        ge=0,
        description="Stop polling after this many (demo source only).",
        json_schema_extra=DEMO,
    )
    demo_seed: int | None = Field(default=None, json_schema_extra=DEMO)
    demo_category_mix: dict[str, float] | None = Field(
        default=None,
        description="Demo source: relative weight of each category.",
        json_schema_extra=DEMO,
    )
    demo_priority_mix: dict[str, float] | None = Field(default=None, json_schema_extra=DEMO)
    demo_sentiment_mix: dict[str, float] | None = Field(default=None, json_schema_extra=DEMO)
    # --- real mailboxes; secrets are never here, only the name of where they are ---
    host: str | None = Field(
        default=None, description="IMAP server host name.", json_schema_extra=IMAP
    )
    port: int | None = Field(
        default=None, ge=1, le=65_535, description="IMAP port (993/143).", json_schema_extra=IMAP
    )
    security: Literal["ssl", "starttls", "none"] = Field(default="ssl", json_schema_extra=IMAP)
    username: str | None = Field(default=None, json_schema_extra=IMAP)
    password_env: str | None = Field(
        default=None,
        # Only mailbox-password variables: the worker sends this variable's value to the host
        # above, so naming any other (an API key, the session secret) would hand it out.
        pattern=r"^MAILROOM_[A-Z0-9_]*IMAP_PASSWORD[A-Z0-9_]*$",
        description="Environment variable holding the IMAP password, named "
        "MAILROOM_..._IMAP_PASSWORD... (e.g. MAILROOM_BILLING_IMAP_PASSWORD); "
        "MAILROOM_IMAP_PASSWORD when unset.",
        json_schema_extra=IMAP,
    )
    folder: str = Field(default="INBOX", json_schema_extra=IMAP)
    after_processing: Literal["none", "seen", "move"] = Field(
        default="none",
        description="Flag stored mail \\Seen or move it to move_to.",
        json_schema_extra=IMAP,
    )
    move_to: str | None = Field(
        default=None,
        description="Folder to move stored mail to (after_processing: move).",
        json_schema_extra=IMAP,
    )
    gmail_user: str = Field(default="me", json_schema_extra=GMAIL)
    gmail_label: str = Field(default="INBOX", json_schema_extra=GMAIL)
    alert_after_failures: int = Field(default=3, ge=1, le=1000, json_schema_extra=MAILBOXES)


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
