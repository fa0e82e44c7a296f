"""The SMTP sender's Sent folder settings, a part of ``engine.settings.Settings``.

Kept apart only so settings.py stays short enough to read; read like every other setting
(``MAILROOM_`` environment variables or ``.streamlit/secrets.toml``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class SentFolderSettings(BaseSettings):
    """Where the SMTP sender keeps a copy of each reply (IMAP), so that a reply whose outcome a
    crash hid is looked up there instead of sent again. Unset folder: no copy, no lookup."""

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


__all__ = ["SentFolderSettings"]
