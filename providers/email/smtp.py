"""Replies through an SMTP server (STARTTLS, implicit TLS or plain on a trusted network).

SMTP cannot say whether it took a message. With a Sent folder (IMAP) the sender can: each reply
is kept there (appended after the SMTP server accepted it, or filed by a server that does so
itself), and ``find_sent`` looks a Message-ID up in it. Without one, a reply whose outcome a crash
hid is sent again with the same Message-ID: at-least-once in that window.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import UTC, datetime
from typing import Literal

from providers.checks import CheckFailed, Probe
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.email.mime import bracketed, build_mime
from providers.email.sent_folder import ImapSentFolder
from providers.errors import (
    PermanentProviderError,
    ProviderConfigError,
    ProviderError,
    TransientProviderError,
)

log = logging.getLogger(__name__)


class SmtpSender(EmailSender):
    """Sends each reply in its own SMTP session."""

    def __init__(
        self,
        *,
        host: str,
        port: int = 587,
        security: Literal["ssl", "starttls", "none"] = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout_seconds: float = 30.0,
        sent_folder: ImapSentFolder | None = None,
        append_to_sent: bool = True,
    ) -> None:
        """``sent_folder``: where copies of the replies are (None: nowhere); ``append_to_sent``:
        False when the SMTP server files a copy there itself (Gmail, Microsoft 365)."""
        if not host:
            raise ProviderConfigError("MAILROOM_SMTP_HOST: the SMTP server's host name is required")
        self.host, self.port, self._security = host, port, security
        self._username, self._password = username, password
        self._timeout = timeout_seconds
        self._sent_folder, self._append = sent_folder, append_to_sent

    def _session(self) -> smtplib.SMTP:
        if self._security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self._timeout, context=ssl.create_default_context()
            )
        session = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        if self._security == "starttls":
            session.starttls(context=ssl.create_default_context())
        return session

    def verify(self, probe: Probe) -> None:
        """Check the server without sending: the host resolves, a connection opens, it greets
        and answers EHLO, TLS is negotiated (``ssl``/``starttls``) and the login (when a user
        name is set) is accepted; then QUIT. Stops at the first stage that fails."""
        probe.network(self.host, self.port, self._timeout)
        opened: list[smtplib.SMTP] = []

        def greet() -> str:
            if self._security == "ssl":
                context = ssl.create_default_context()
                opened.append(
                    smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout, context=context)
                )
                return "TLS negotiated; greeted"
            opened.append(smtplib.SMTP(self.host, self.port, timeout=self._timeout))
            return "greeted"

        def ehlo() -> str:
            code, _ = opened[0].ehlo()
            if code != 250:
                raise CheckFailed("ehlo", f"EHLO answered {code}")
            extensions = sorted(opened[0].esmtp_features)
            return f"EHLO accepted; extensions: {', '.join(extensions) or 'none'}"

        def starttls() -> str:
            opened[0].starttls(context=ssl.create_default_context())
            opened[0].ehlo()
            return "STARTTLS negotiated"

        def login() -> str:
            if not self._username:
                return "no user name set: replies are sent without a login"
            try:
                opened[0].login(self._username, self._password or "")
            except smtplib.SMTPAuthenticationError as exc:
                raise CheckFailed(
                    "auth", f"the login as {self._username} was refused ({exc.smtp_code})"
                ) from exc
            return f"logged in as {self._username}"

        try:
            probe.run("tls" if self._security == "ssl" else "greeting", greet)
            probe.run("ehlo", ehlo)
            if self._security == "starttls":
                probe.run("tls", starttls)
            probe.run("auth", login)
        finally:
            for session in opened:
                try:
                    session.quit()
                except (smtplib.SMTPException, OSError):
                    session.close()

    def send(self, email: OutgoingEmail) -> SendReceipt:
        """Send ``email``; 4xx answers and lost connections are transient, 5xx permanent."""
        accepted_at = datetime.now(UTC)
        message = build_mime(email, accepted_at)
        try:
            with self._session() as session:
                if self._username:
                    session.login(self._username, self._password or "")
                session.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise ProviderConfigError(f"SMTP login to {self.host} was refused: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {self.host} answered {exc.smtp_code}: {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                raise TransientProviderError(error) from exc
            raise PermanentProviderError(error) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentProviderError(f"SMTP {self.host} refused the recipient: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientProviderError(f"SMTP {self.host}: {exc}") from exc
        if self._sent_folder is not None and self._append:
            try:
                self._sent_folder.append(message.as_bytes(), accepted_at)
            except ProviderError as exc:
                # The reply went out and its receipt is returned, so the engine records it: the
                # missing copy only costs the lookup, which this send no longer needs.
                log.warning(
                    "reply %s sent but not kept in the Sent folder: %s", email.message_id, exc
                )
        return SendReceipt(provider_message_id=str(message["Message-ID"]), accepted_at=accepted_at)

    def find_sent(self, message_id: str) -> SendReceipt | None:
        """The receipt of ``message_id`` if the Sent folder holds it; None without a folder."""
        if self._sent_folder is None:
            return None
        filed = self._sent_folder.find(message_id)
        if filed is None:
            return None
        return SendReceipt(provider_message_id=bracketed(message_id), accepted_at=filed)


__all__ = ["SmtpSender"]
