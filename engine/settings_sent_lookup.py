"""Settings that let a sender tell whether a reply went out before a crash (the SMTP sender's
Sent folder, SendGrid's Email Activity API): a part of ``engine.settings.Settings``.

Kept apart only so settings.py stays short enough to read; read like every other setting
(``MAILROOM_`` environment variables or ``.streamlit/secrets.toml``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class SentLookupSettings(BaseSettings):
    """How a reply whose outcome a crash hid is looked up instead of sent again. SMTP: a Sent
    folder over IMAP holding a copy of each reply (unset folder: no copy, no lookup)."""

    smtp_sent_folder: str | None = Field(
        default=None,
        description="IMAP folder holding the SMTP replies (e.g. Sent); unset: none is used.",
    )
    smtp_sent_append: bool = Field(
        default=True,
        description="Append each reply to the folder; false when the SMTP server files it itself.",
    )
    smtp_sent_imap_host: str | None = Field(
        default=None, description="IMAP server of the Sent folder; defaults to the SMTP host."
    )
    smtp_sent_imap_port: int = Field(default=993, ge=1, le=65_535)
    smtp_sent_imap_security: Literal["ssl", "starttls", "none"] = "ssl"
    smtp_sent_imap_username: str | None = Field(
        default=None, description="IMAP user of the Sent folder; defaults to the SMTP user."
    )
    smtp_sent_imap_password: SecretStr | None = Field(
        default=None, description="IMAP password of the Sent folder (defaults to the SMTP one)."
    )
    sendgrid_activity_lookup: bool = Field(
        default=False,
        description="Look replies up in SendGrid's Email Activity API (a paid add-on).",
    )


__all__ = ["SentLookupSettings"]
