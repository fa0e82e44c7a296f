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

# Which source each setting is for: the demo generator, the mailboxes that are polled, the ones
# logged in to with a password (IMAP, POP3), and each source's own; SendGrid and Brevo push mail
# to the intake, so they need only the mailbox.
DEMO = applies_when(source=["demo"])
POLLED = applies_when(source=["demo", "imap", "pop3", "gmail"])
MAILBOXES = applies_when(source=["imap", "pop3", "gmail"])
LOGIN = applies_when(source=["imap", "pop3"])
IMAP = applies_when(source=["imap"])
POP3 = applies_when(source=["pop3"])
GMAIL = applies_when(source=["gmail"])


class EmailTriggerConfig(NodeConfig):
    source: Literal["demo", "imap", "pop3", "gmail", "sendgrid", "brevo"] = "demo"
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
        default=None, description="IMAP or POP3 server host name.", json_schema_extra=LOGIN
    )
    port: int | None = Field(
        default=None,
        ge=1,
        le=65_535,
        description="IMAP port (993/143) or POP3 port (995/110); by security when unset.",
        json_schema_extra=LOGIN,
    )
    security: Literal["ssl", "starttls", "none"] = Field(
        default="ssl",
        description="ssl: TLS from the start (IMAPS, POP3S); starttls: STARTTLS / STLS; "
        "none: plain text (loopback only).",
        json_schema_extra=LOGIN,
    )
    username: str | None = Field(default=None, json_schema_extra=LOGIN)
    password_env: str | None = Field(
        default=None,
        # Only mailbox-password variables: the worker sends this variable's value to the host
        # above, so naming any other (an API key, the session secret) would hand it out.
        pattern=r"^MAILROOM_[A-Z0-9_]*(IMAP|POP3)_PASSWORD[A-Z0-9_]*$",
        description="Environment variable holding the mailbox password, named "
        "MAILROOM_..._IMAP_PASSWORD... or MAILROOM_..._POP3_PASSWORD... "
        "(e.g. MAILROOM_BILLING_POP3_PASSWORD); when unset, MAILROOM_IMAP_PASSWORD for IMAP "
        "and MAILROOM_POP3_PASSWORD for POP3.",
        json_schema_extra=LOGIN,
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
    delete_after_ingest: bool = Field(
        default=False,
        description="Delete each message from the POP3 server once it is stored "
        "(or quarantined); off: mail stays on the server and is remembered by its UIDL.",
        json_schema_extra=POP3,
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
