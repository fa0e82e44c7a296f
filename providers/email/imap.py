"""An IMAP mailbox, read incrementally by UIDVALIDITY and UID (never by the \\Seen flag).

The cursor is ``imap:v1:<uidvalidity>:<last uid>``. Messages are fetched with ``BODY.PEEK[]`` so
reading marks nothing; after the engine stored a batch, ``processed`` may flag or move it. When
the folder's UIDVALIDITY changes (the folder was rebuilt), the folder is read again from the
start: the store's unique Message-ID index keeps that from creating duplicates.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from providers.checks import CheckFailed, Probe
from providers.email.base import EmailSource, FetchResult, InboundEmail, RejectedMessage
from providers.email.connecting import connect_with_retries
from providers.email.parsing import UnparseableMessage, parse_message
from providers.errors import ProviderConfigError, TransientProviderError

log = logging.getLogger(__name__)

Security = Literal["ssl", "starttls", "none"]
AfterProcessing = Literal["none", "seen", "move"]
_CURSOR_PREFIX = "imap:v1:"


def pause(seconds: float) -> None:
    """Wait between connection attempts (a module function, so tests can replace it)."""
    time.sleep(seconds)


def format_cursor(uidvalidity: int, last_uid: int) -> str:
    return f"{_CURSOR_PREFIX}{uidvalidity}:{last_uid}"


def parse_cursor(cursor: str | None) -> tuple[int, int] | None:
    """(uidvalidity, last uid) of a cursor this source wrote, or None for anything else."""
    if not cursor or not cursor.startswith(_CURSOR_PREFIX):
        return None
    validity, _, last = cursor.removeprefix(_CURSOR_PREFIX).partition(":")
    if not (validity.isdecimal() and last.isdecimal()):
        return None
    return int(validity), int(last)


class ImapSource(EmailSource):
    """One folder of one IMAP account.

    The connection is opened on first use and reopened after a failure, up to
    ``connect_attempts`` times with exponential backoff from ``backoff_seconds``.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        mailbox: str,
        folder: str = "INBOX",
        security: Security = "ssl",
        after_processing: AfterProcessing = "none",
        move_to: str | None = None,
        fetch_chunk: int = 50,
        timeout_seconds: float = 30.0,
        connect_attempts: int = 4,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not host:
            raise ProviderConfigError("host: the IMAP server's host name is required")
        if not username:
            raise ProviderConfigError("username: the IMAP user name is required")
        if after_processing == "move" and not move_to:
            raise ProviderConfigError("move_to: a folder is required when after_processing=move")
        self.host, self.port, self.mailbox, self.folder = host, port, mailbox, folder
        self._username, self._password = username, password
        self._security = security
        self._after, self._move_to = after_processing, move_to
        self._chunk = max(1, fetch_chunk)
        self._timeout = timeout_seconds
        self._attempts = max(1, connect_attempts)
        self._backoff = backoff_seconds
        self._sleep = sleep or pause
        self._client: IMAPClient | None = None
        self._delivered: list[int] = []
        self._interrupted = threading.Event()
        self._uidnext: int | None = None

    # --- connection -----------------------------------------------------------------------
    def _open(self) -> IMAPClient:
        client = IMAPClient(
            self.host,
            port=self.port,
            ssl=self._security == "ssl",
            ssl_context=ssl.create_default_context() if self._security != "none" else None,
            timeout=self._timeout,
        )
        try:
            if self._security == "starttls":
                client.starttls(ssl.create_default_context())
            client.login(self._username, self._password)
        except BaseException:
            self._drop(client)
            raise
        return client

    def _connected(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        try:
            self._client = connect_with_retries(
                self._open,
                what=f"IMAP {self.host}:{self.port}",
                attempts=self._attempts,
                first_wait=self._backoff,
                sleep=self._sleep,
                transient=lambda exc: (
                    isinstance(exc, OSError | IMAPClientError) and not isinstance(exc, LoginError)
                ),
            )
        except LoginError as exc:
            raise ProviderConfigError(
                f"IMAP login to {self.host} as {self._username} was refused: {exc}"
            ) from exc
        return self._client

    @staticmethod
    def _drop(client: IMAPClient) -> None:
        try:
            client.logout()
        except Exception:  # the connection is being thrown away whatever state it is in
            try:
                client.shutdown()
            except Exception:
                log.debug("IMAP connection already closed")

    def close(self) -> None:
        if self._client is not None:
            self._drop(self._client)
            self._client = None

    def _with_reconnect(self, action: Callable[[IMAPClient], Any]) -> Any:
        """Run ``action``; after a broken connection, reconnect (with backoff) and run it once
        more. Safe because every action here can be repeated."""
        try:
            return action(self._connected())
        except (TimeoutError, OSError, IMAPClientAbortError) as exc:
            if self._interrupted.is_set():
                raise
            log.warning("IMAP connection to %s lost (%s); reconnecting", self.host, exc)
            self.close()
        try:
            return action(self._connected())
        except (OSError, IMAPClientAbortError) as exc:
            self.close()
            raise TransientProviderError(f"IMAP {self.host}: {exc}") from exc
        except IMAPClientError as exc:
            raise TransientProviderError(f"IMAP {self.host}: {exc}") from exc

    # --- checking ---------------------------------------------------------------------------
    def verify(self, probe: Probe) -> None:
        """Check the mailbox without reading or changing anything: the host resolves, a
        connection opens, TLS is negotiated (``ssl``/``starttls``), the login is accepted and
        the folder can be selected (read-only). Stops at the first stage that fails."""
        probe.network(self.host, self.port, self._timeout)
        opened: list[IMAPClient] = []

        def greet(secure: bool) -> Callable[[], str]:
            def action() -> str:
                opened.append(
                    IMAPClient(
                        self.host,
                        port=self.port,
                        ssl=secure,
                        ssl_context=ssl.create_default_context() if secure else None,
                        timeout=self._timeout,
                    )
                )
                welcome = opened[0].welcome
                text = welcome.decode("utf-8", "replace") if isinstance(welcome, bytes) else ""
                return f"greeted: {' '.join(text.split())[:120]}"

            return action

        def starttls() -> str:
            opened[0].starttls(ssl.create_default_context())
            return "STARTTLS negotiated"

        def login() -> str:
            try:
                opened[0].login(self._username, self._password)
            except LoginError as exc:
                raise CheckFailed(
                    "auth", f"the login as {self._username} was refused: {exc}"
                ) from exc
            return f"logged in as {self._username}"

        def select() -> str:
            info = opened[0].select_folder(self.folder, readonly=True)
            return f"{self.folder}: {int(info.get(b'EXISTS', 0))} messages"

        try:
            if self._security == "ssl":
                probe.run("tls", greet(True))
            else:
                probe.run("greeting", greet(False))
                if self._security == "starttls":
                    probe.run("tls", starttls)
            probe.run("auth", login)
            probe.run("select", select)
        finally:
            for client in opened:
                self._drop(client)

    # --- reading --------------------------------------------------------------------------
    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        try:
            result: FetchResult = self._with_reconnect(lambda c: self._fetch(c, cursor, limit))
        except IMAPClientError as exc:
            raise TransientProviderError(f"IMAP {self.host}: {exc}") from exc
        return result

    def _fetch(self, client: IMAPClient, cursor: str | None, limit: int) -> FetchResult:
        info = client.select_folder(self.folder, readonly=self._after == "none")
        uidvalidity = int(info[b"UIDVALIDITY"])
        position = parse_cursor(cursor)
        last_uid = position[1] if position and position[0] == uidvalidity else 0
        if position and position[0] != uidvalidity:
            log.warning(
                "IMAP %s/%s: UIDVALIDITY changed (%s -> %s); reading the folder again",
                self.host,
                self.folder,
                position[0],
                uidvalidity,
            )
        # "n:*" always matches the newest message, even one below n: filter again.
        found = client.search(["UID", f"{last_uid + 1}:*"])
        uids = sorted(uid for uid in found if uid > last_uid)[: max(0, limit)]
        emails: list[InboundEmail] = []
        rejected: list[RejectedMessage] = []
        delivered: list[int] = []
        for start in range(0, len(uids), self._chunk):
            chunk = uids[start : start + self._chunk]
            data = client.fetch(chunk, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in chunk:
                self._read_one(uid, data.get(uid, {}), emails, rejected, delivered)
        self._delivered = delivered
        next_uid = uids[-1] if uids else last_uid
        return FetchResult(
            emails=emails, next_cursor=format_cursor(uidvalidity, next_uid), rejected=rejected
        )

    def _read_one(
        self,
        uid: int,
        item: dict[bytes, Any],
        emails: list[InboundEmail],
        rejected: list[RejectedMessage],
        delivered: list[int],
    ) -> None:
        origin = f"imap {self.host}/{self.folder} uid {uid}"
        raw = item.get(b"BODY[]")
        if not isinstance(raw, bytes):
            # The message vanished between SEARCH and FETCH (expunged by another client).
            rejected.append(
                RejectedMessage(reason="the server returned no body", raw=b"", origin=origin)
            )
            return
        internal = item.get(b"INTERNALDATE")
        received = _as_utc(internal) if isinstance(internal, datetime) else None
        try:
            emails.append(
                parse_message(raw, mailbox=self.mailbox, source="imap", received_at=received)
            )
            delivered.append(uid)
        except UnparseableMessage as exc:
            rejected.append(RejectedMessage(reason=exc.reason, raw=raw, origin=origin))

    def processed(self, result: FetchResult) -> None:
        """Flag the stored messages \\Seen, or move them to ``move_to``, as configured."""
        uids, self._delivered = self._delivered, []
        if self._after == "none" or not uids:
            return
        self._with_reconnect(lambda c: self._mark(c, uids))

    def _mark(self, client: IMAPClient, uids: Sequence[int]) -> None:
        client.select_folder(self.folder)
        if self._after == "seen":
            client.add_flags(uids, [b"\\Seen"])
            return
        assert self._move_to is not None
        if client.has_capability("MOVE"):
            client.move(uids, self._move_to)
        else:
            client.copy(uids, self._move_to)
            client.delete_messages(uids)
            client.uid_expunge(uids)

    # --- waiting --------------------------------------------------------------------------
    def wait_for_mail(self, timeout_seconds: float) -> bool | None:
        """Block until the server reports new mail (IMAP IDLE) or ``timeout_seconds`` pass.

        Returns True when the server said something or the folder's UIDNEXT moved since the
        last wait (mail that arrived while the caller was polling), False on timeout or
        ``interrupt()``, and None at once when the server does not offer IDLE.
        """

        def idle(client: IMAPClient) -> bool | None:
            if not client.has_capability("IDLE"):
                return None
            info = client.select_folder(self.folder, readonly=True)
            uidnext = info.get(b"UIDNEXT")
            moved = self._uidnext is not None and uidnext != self._uidnext
            self._uidnext = uidnext if isinstance(uidnext, int) else None
            if moved:
                return True
            client.idle()
            try:
                responses = client.idle_check(timeout=timeout_seconds)
            finally:
                client.idle_done()
            return any(b"EXISTS" in response for response in responses)

        if self._interrupted.is_set():
            return False
        try:
            arrived: bool | None = self._with_reconnect(idle)
        except Exception:
            if self._interrupted.is_set():
                return False  # the connection was cut on purpose
            raise
        return arrived

    def interrupt(self) -> None:
        """Cut the connection under a blocked ``wait_for_mail`` (no logout: it is mid-IDLE)."""
        self._interrupted.set()
        client = self._client
        if client is not None:
            try:
                client.shutdown()
            except OSError:
                log.debug("IMAP connection already closed")


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["ImapSource", "format_cursor", "parse_cursor"]
