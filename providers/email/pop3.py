"""A POP3 maildrop (RFC 1939), read with the standard library's ``poplib``.

There is no better-kept POP3 client for Python than ``poplib``: the protocol is small and
frozen, and the few packages on PyPI wrap ``poplib`` or are unmaintained. Two things are
added here: a longer line limit (``poplib`` refuses lines over 2048 bytes, which real mail
has, and a message it cannot read would stop the mailbox for good) and certificate checking
for STLS (``poplib.POP3.stls`` checks nothing without a context).

POP3 has no folders, flags or arrival order to keep a position in, so the source remembers
what it took by UIDL (the server's unique id of each message). The cursor is
``pop3:v1:<uidl> <uidl> ...``: the UIDLs taken that are still in the maildrop (one that left
it is forgotten, so the cursor never outgrows the maildrop). A message is new while its UIDL
is not in the cursor; the store's unique Message-ID index is the second guard. With
``delete_after_ingest``, what was stored (or quarantined, which keeps its bytes) is deleted
from the server after the cursor is saved; a deletion lost with its connection is made on
the next poll, as the message is still in the cursor.
"""

from __future__ import annotations

import logging
import poplib
import re
import ssl
import time
from collections.abc import Callable, Iterable
from typing import Literal

from providers.checks import CheckFailed, Probe
from providers.email.base import EmailSource, FetchResult, InboundEmail, RejectedMessage
from providers.email.connecting import connect_with_retries
from providers.email.parsing import DEFAULT_LIMITS, UnparseableMessage, parse_message
from providers.errors import ProviderConfigError, TransientProviderError

log = logging.getLogger(__name__)

Security = Literal["ssl", "starttls", "none"]
_CURSOR_PREFIX = "pop3:v1:"
#: A line may be as long as a whole message Mailroom accepts: a longer one is no message it
#: could read anyway.
MAX_LINE_BYTES = DEFAULT_LIMITS.max_message_bytes
#: RFC 2449 / RFC 3206 response codes that say "not now" rather than "no".
_TRANSIENT_CODES = ("[IN-USE]", "[LOGIN-DELAY]", "[SYS/TEMP]")
_UIDL = re.compile(rb"^(\d+) ([\x21-\x7e]{1,70})$")


def pause(seconds: float) -> None:
    """Wait between connection attempts (a module function, so tests can replace it)."""
    time.sleep(seconds)


def format_cursor(uidls: Iterable[str]) -> str:
    """The cursor remembering ``uidls`` (UIDLs never contain a space: RFC 1939, 7)."""
    return _CURSOR_PREFIX + " ".join(uidls)


def parse_cursor(cursor: str | None) -> set[str]:
    """The UIDLs a cursor this source wrote remembers; none for anything else."""
    if not cursor or not cursor.startswith(_CURSOR_PREFIX):
        return set()
    return set(cursor.removeprefix(_CURSOR_PREFIX).split())


def _read_line(file: object) -> tuple[bytes, int]:
    """``poplib.POP3._getline`` with ``MAX_LINE_BYTES`` instead of 2048."""
    line: bytes = file.readline(MAX_LINE_BYTES + 1)  # type: ignore[attr-defined]
    if len(line) > MAX_LINE_BYTES:
        raise poplib.error_proto("-ERR line too long")
    if not line:
        raise poplib.error_proto("-ERR EOF")
    octets = len(line)
    if line[-2:] == b"\r\n":
        return line[:-2], octets
    if line[:1] == b"\r":
        return line[1:-1], octets
    return line[:-1], octets


class _Plain(poplib.POP3):
    def _getline(self) -> tuple[bytes, int]:
        return _read_line(self.file)


class _Secure(poplib.POP3_SSL):
    def _getline(self) -> tuple[bytes, int]:
        return _read_line(self.file)


def _decoded(raw: object) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def _text(exc: BaseException) -> str:
    """What the server said (or the socket's error, with its type), as one line."""
    if isinstance(exc, poplib.error_proto) and exc.args:
        return _decoded(exc.args[0])
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _refused_for_now(exc: poplib.error_proto) -> bool:
    return any(code in _text(exc).upper() for code in _TRANSIENT_CODES)


class Pop3Source(EmailSource):
    """One POP3 maildrop.

    A session is opened by ``fetch`` (after a failure, up to ``connect_attempts`` times with
    exponential backoff from ``backoff_seconds``, as the IMAP source does), kept for
    ``processed`` (whose deletions it commits with QUIT) and ended by ``close``.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        mailbox: str,
        security: Security = "ssl",
        delete_after_ingest: bool = False,
        timeout_seconds: float = 30.0,
        connect_attempts: int = 4,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not host:
            raise ProviderConfigError("host: the POP3 server's host name is required")
        if not username:
            raise ProviderConfigError("username: the POP3 user name is required")
        self.host, self.port, self.mailbox = host, port, mailbox
        self._username, self._password = username, password
        self._security = security
        self._delete = delete_after_ingest
        self._timeout = timeout_seconds
        self._attempts = max(1, connect_attempts)
        self._backoff = backoff_seconds
        self._sleep = sleep or pause
        self._session: poplib.POP3 | None = None
        #: The session's message numbers by UIDL, as fetch listed them.
        self._numbers: dict[str, int] = {}
        #: UIDLs to delete once the engine has stored them.
        self._taken: list[str] = []

    # --- connection -----------------------------------------------------------------------
    @staticmethod
    def _context() -> ssl.SSLContext:
        # The system's trusted certificates, the host name checked: poplib's own default
        # context for STLS checks neither.
        return ssl.create_default_context()

    def _greet(self) -> poplib.POP3:
        if self._security == "ssl":
            return _Secure(self.host, self.port, timeout=self._timeout, context=self._context())
        return _Plain(self.host, self.port, timeout=self._timeout)

    def _login(self, session: poplib.POP3) -> None:
        session.user(self._username)
        session.pass_(self._password)

    def _open(self) -> poplib.POP3:
        session = self._greet()
        try:
            if self._security == "starttls":
                if "STLS" not in session.capa():
                    raise ProviderConfigError(
                        f"security: POP3 {self.host}:{self.port} does not offer STLS "
                        "(use ssl, or another port)"
                    )
                session.stls(self._context())
            try:
                self._login(session)
            except poplib.error_proto as exc:
                if _refused_for_now(exc):
                    raise
                raise ProviderConfigError(
                    f"POP3 login to {self.host} as {self._username} was refused: {_text(exc)}"
                ) from exc
        except BaseException:
            self._drop(session, commit=False)
            raise
        return session

    def _connected(self) -> poplib.POP3:
        if self._session is not None:
            return self._session
        self._session = connect_with_retries(
            self._open,
            what=f"POP3 {self.host}:{self.port}",
            attempts=self._attempts,
            first_wait=self._backoff,
            sleep=self._sleep,
            transient=lambda exc: isinstance(exc, OSError | poplib.error_proto),
            describe=_text,
        )
        return self._session

    @staticmethod
    def _drop(session: poplib.POP3, *, commit: bool) -> None:
        """End ``session``: QUIT commits its deletions; without ``commit`` the socket is
        closed and the server forgets them (RFC 1939, 6)."""
        try:
            if commit:
                session.quit()
                return
        except (OSError, poplib.error_proto) as exc:
            log.warning("POP3 QUIT failed: %s", exc)
        try:
            session.close()
        except OSError:
            log.debug("POP3 connection already closed")

    def close(self) -> None:
        if self._session is not None:
            self._drop(self._session, commit=True)
            self._session = None
        self._numbers = {}

    def _abandon(self) -> None:
        if self._session is not None:
            self._drop(self._session, commit=False)
            self._session = None
        self._numbers = {}

    # --- checking ---------------------------------------------------------------------------
    def verify(self, probe: Probe) -> None:
        """Check the maildrop without reading or changing anything: the host resolves, a
        connection opens, TLS is negotiated (``ssl``/``starttls``), the login is accepted and
        STAT answers. Stops at the first stage that fails."""
        probe.network(self.host, self.port, self._timeout)
        opened: list[poplib.POP3] = []

        def greet() -> str:
            opened.append(self._greet())
            return f"greeted: {_decoded(opened[0].getwelcome())[:120]}"

        def starttls() -> str:
            opened[0].stls(self._context())
            return "STLS negotiated"

        def login() -> str:
            try:
                self._login(opened[0])
            except poplib.error_proto as exc:
                raise CheckFailed(
                    "auth", f"the login as {self._username} was refused: {_text(exc)}"
                ) from exc
            return f"logged in as {self._username}"

        def stat() -> str:
            count, size = opened[0].stat()
            return f"maildrop: {count} messages, {size} bytes"

        try:
            if self._security == "ssl":
                probe.run("tls", greet)
            else:
                probe.run("greeting", greet)
                if self._security == "starttls":
                    probe.run("tls", starttls)
            probe.run("auth", login)
            probe.run("stat", stat)
        finally:
            for session in opened:
                self._drop(session, commit=True)  # nothing was marked: QUIT changes nothing

    # --- reading --------------------------------------------------------------------------
    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        """The messages whose UIDL the cursor does not hold, in maildrop order. Nothing on
        the server changes; after a broken connection the fetch is made once more."""
        try:
            return self._fetch(self._connected(), cursor, limit)
        except (OSError, poplib.error_proto) as exc:
            self._abandon()
            log.warning("POP3 %s: %s; reconnecting", self.host, exc)
        try:
            return self._fetch(self._connected(), cursor, limit)
        except (OSError, poplib.error_proto) as exc:
            self._abandon()
            raise TransientProviderError(f"POP3 {self.host}: {_text(exc)}") from exc

    def _listing(self, session: poplib.POP3) -> list[tuple[int, str]]:
        try:
            _, lines, _ = session.uidl()
        except poplib.error_proto as exc:
            raise ProviderConfigError(
                f"POP3 {self.host} does not answer UIDL ({_text(exc)}): without unique ids "
                "Mailroom cannot tell new mail from mail it already took"
            ) from exc
        listing = []
        for line in lines:
            found = _UIDL.match(line.strip())
            if found is None:
                raise poplib.error_proto(f"-ERR unreadable UIDL line {line[:100]!r}")
            listing.append((int(found[1]), found[2].decode("ascii")))
        return listing

    def _fetch(self, session: poplib.POP3, cursor: str | None, limit: int) -> FetchResult:
        listing = self._listing(session)
        self._numbers = {uidl: number for number, uidl in listing}
        seen = parse_cursor(cursor)
        kept = [uidl for _, uidl in listing if uidl in seen]
        new = [(number, uidl) for number, uidl in listing if uidl not in seen][: max(0, limit)]
        emails: list[InboundEmail] = []
        rejected: list[RejectedMessage] = []
        taken: list[str] = []
        for number, uidl in new:
            origin = f"pop3 {self.host} {self._username} uidl {uidl}"
            try:
                _, lines, _ = session.retr(number)
            except poplib.error_proto as exc:
                # Gone since the listing, or the server cannot give it now: not remembered,
                # so the next poll asks again if it is still there.
                log.warning("POP3 %s: %s not read: %s", self.host, origin, _text(exc))
                continue
            raw = b"\r\n".join(lines) + b"\r\n"
            try:
                emails.append(parse_message(raw, mailbox=self.mailbox, source="pop3"))
            except UnparseableMessage as exc:
                rejected.append(RejectedMessage(reason=exc.reason, raw=raw, origin=origin))
            taken.append(uidl)
        # Remembered since an earlier poll and still on the server: deleting them failed
        # then (the connection went before QUIT), so they are deleted now with the new ones.
        self._taken = taken + (kept if self._delete else [])
        return FetchResult(
            emails=emails, next_cursor=format_cursor(kept + taken), rejected=rejected
        )

    def processed(self, result: FetchResult) -> None:
        """With ``delete_after_ingest``, delete what the engine stored (or quarantined) and
        QUIT, which commits the deletions."""
        taken, self._taken = self._taken, []
        if not self._delete or not taken:
            return
        try:
            numbers = self._numbers
            if self._session is None or not numbers:
                # A new session: its message numbers are listed again.
                numbers = {uidl: n for n, uidl in self._listing(self._connected())}
            self._delete_taken(self._connected(), taken, numbers)
        except (OSError, poplib.error_proto) as exc:
            self._abandon()
            raise TransientProviderError(
                f"POP3 {self.host}: deleting {len(taken)} stored messages failed: {_text(exc)}"
            ) from exc

    def _delete_taken(
        self, session: poplib.POP3, taken: list[str], numbers: dict[str, int]
    ) -> None:
        for uidl in taken:
            number = numbers.get(uidl)
            if number is not None:
                session.dele(number)
        session.quit()  # the deletions take effect only now
        self._session = None
        self._numbers = {}


__all__ = ["MAX_LINE_BYTES", "Pop3Source", "Security", "format_cursor", "parse_cursor"]
