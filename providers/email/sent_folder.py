"""The Sent folder of an SMTP account, over IMAP: where a copy of each reply is kept, and where
a reply is looked up by its Message-ID when a crash hid whether it went out.

Each call opens its own IMAP session: replies are few, and a session per call needs no lock
between the worker's threads and never holds a connection the server has since dropped.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from providers.email.mime import bracketed
from providers.errors import ProviderConfigError, TransientProviderError


class ImapSentFolder:
    """One folder of one IMAP account (``Sent`` by default)."""

    def __init__(
        self,
        *,
        host: str,
        username: str,
        password: str,
        port: int = 993,
        security: Literal["ssl", "starttls", "none"] = "ssl",
        folder: str = "Sent",
        timeout_seconds: float = 30.0,
    ) -> None:
        if not host:
            raise ProviderConfigError("the Sent folder's IMAP host is required")
        if not username:
            raise ProviderConfigError("the Sent folder's IMAP user name is required")
        self.host, self.port, self.folder = host, port, folder
        self._username, self._password = username, password
        self._security = security
        self._timeout = timeout_seconds

    @contextmanager
    def _session(self) -> Iterator[IMAPClient]:
        try:
            client = IMAPClient(
                self.host,
                port=self.port,
                ssl=self._security == "ssl",
                ssl_context=ssl.create_default_context() if self._security != "none" else None,
                timeout=self._timeout,
            )
        except (OSError, IMAPClientError) as exc:
            raise TransientProviderError(f"IMAP {self.host}:{self.port}: {exc}") from exc
        client.normalise_times = False  # INTERNALDATE with its zone, not as local time
        try:
            if self._security == "starttls":
                client.starttls(ssl.create_default_context())
            client.login(self._username, self._password)
            yield client
        except LoginError as exc:
            raise ProviderConfigError(
                f"IMAP login to {self.host} as {self._username} was refused: {exc}"
            ) from exc
        except (OSError, IMAPClientError) as exc:
            raise TransientProviderError(f"IMAP {self.host} ({self.folder}): {exc}") from exc
        finally:
            with suppress(OSError, IMAPClientError):  # the session is gone either way
                client.logout()

    def append(self, message: bytes, when: datetime) -> None:
        """Keep ``message`` in the folder (created if missing), marked read, dated ``when``."""
        with self._session() as client:
            if not client.folder_exists(self.folder):
                client.create_folder(self.folder)
            client.append(self.folder, message, flags=(b"\\Seen",), msg_time=when)

    def find(self, message_id: str) -> datetime | None:
        """When the message whose Message-ID is ``message_id`` was filed, or None if the
        folder holds no such message (or does not exist)."""
        wanted = bracketed(message_id)
        with self._session() as client:
            if not client.folder_exists(self.folder):
                return None
            client.select_folder(self.folder, readonly=True)
            uids = client.search(["HEADER", "Message-ID", wanted])
            if not uids:
                return None
            fetched = client.fetch(uids, ["INTERNALDATE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        for data in fetched.values():
            # SEARCH HEADER matches a substring: keep only the exact Message-ID.
            header = data.get(b"BODY[HEADER.FIELDS (MESSAGE-ID)]", b"")
            found = message_from_bytes(header, policy=policy.default)["Message-ID"]
            if found is None or str(found).strip() != wanted:
                continue
            filed = data.get(b"INTERNALDATE")
            if isinstance(filed, datetime):
                return filed.astimezone(UTC) if filed.tzinfo else filed.replace(tzinfo=UTC)
            return datetime.now(UTC)
        return None


__all__ = ["ImapSentFolder"]
