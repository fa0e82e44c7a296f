"""The default passwords of the mailboxes an email trigger logs in to (IMAP, POP3): a part of
``engine.settings.Settings``.

Kept apart only so settings.py stays short enough to read; read like every other setting
(``MAILROOM_`` environment variables or ``.streamlit/secrets.toml``). A trigger may name
another variable in ``password_env`` (``MAILROOM_..._IMAP_PASSWORD...`` or
``MAILROOM_..._POP3_PASSWORD...``).
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

#: The secret settings of this part (``engine.settings.SECRET_FIELDS`` joins them).
MAILBOX_SECRET_FIELDS = frozenset({"imap_password", "pop3_password"})


class MailboxSettings(BaseSettings):
    """Passwords of IMAP and POP3 triggers that name no ``password_env``."""

    imap_password: SecretStr | None = Field(default=None, description="IMAP mailbox password.")
    pop3_password: SecretStr | None = Field(default=None, description="POP3 mailbox password.")
