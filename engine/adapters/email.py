"""Real email sources and senders, built from a trigger's config and the settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers.email.base import EmailSender, EmailSource, FetchResult
from providers.errors import ProviderConfigError

if TYPE_CHECKING:
    from engine.settings import Settings
    from providers.email.gmail import GmailApi
    from providers.email.imap import Security
    from providers.email.sent_folder import ImapSentFolder


class PushedSource(EmailSource):
    """A mailbox whose mail is pushed to ``python -m engine intake`` (SendGrid, Brevo): there
    is nothing to poll, the intake stores mail and starts the executions itself."""

    def __init__(self, mailbox: str) -> None:
        self.mailbox = mailbox

    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        return FetchResult(emails=[], next_cursor=cursor)


#: The password of a trigger that names no ``password_env``, by source.
DEFAULT_PASSWORDS = {"imap": "MAILROOM_IMAP_PASSWORD", "pop3": "MAILROOM_POP3_PASSWORD"}


def _secret(config: Mapping[str, Any], settings: Settings) -> str:
    name = config.get("password_env")
    if name:
        from engine.adapters.checks import foreign_secret

        refused = foreign_secret(name)
        if refused is not None:
            raise ProviderConfigError(refused)
        value = os.environ.get(str(name))
        if not value:
            raise ProviderConfigError(f"password_env: the environment variable {name} is not set")
        return value
    password = settings.pop3_password if config.get("source") == "pop3" else settings.imap_password
    if password is None:
        variable = DEFAULT_PASSWORDS.get(str(config.get("source")), "MAILROOM_IMAP_PASSWORD")
        raise ProviderConfigError(f"{variable} is not set (or name one in password_env)")
    return password.get_secret_value()


def _security(config: Mapping[str, Any]) -> Security:
    """The ``security`` of an IMAP or POP3 trigger (both offer the same three)."""
    securities: dict[str, Security] = {"ssl": "ssl", "starttls": "starttls", "none": "none"}
    security = securities.get(str(config.get("security") or "ssl"))
    if security is None:
        raise ProviderConfigError("security: must be ssl, starttls or none")
    return security


def build_source(config: Mapping[str, Any], settings: Settings) -> EmailSource:
    """The source an email trigger with ``config`` reads (any ``source`` but ``demo``)."""
    kind = config.get("source")
    mailbox = str(config.get("mailbox") or "support@mailroom.example")
    if kind in ("sendgrid", "brevo"):
        return PushedSource(mailbox)
    if kind == "imap":
        from providers.email.imap import AfterProcessing, ImapSource

        afters: dict[str, AfterProcessing] = {"none": "none", "seen": "seen", "move": "move"}
        security = _security(config)
        after = afters.get(str(config.get("after_processing") or "none"))
        if after is None:
            raise ProviderConfigError("after_processing: must be none, seen or move")
        return ImapSource(
            host=str(config.get("host") or ""),
            port=int(config.get("port") or (993 if security == "ssl" else 143)),
            username=str(config.get("username") or ""),
            password=_secret(config, settings),
            mailbox=mailbox,
            folder=str(config.get("folder") or "INBOX"),
            security=security,
            after_processing=after,
            move_to=config.get("move_to"),
        )
    if kind == "pop3":
        from providers.email.pop3 import Pop3Source

        security = _security(config)
        return Pop3Source(
            host=str(config.get("host") or ""),
            port=int(config.get("port") or (995 if security == "ssl" else 110)),
            username=str(config.get("username") or ""),
            password=_secret(config, settings),
            mailbox=mailbox,
            security=security,
            delete_after_ingest=bool(config.get("delete_after_ingest")),
        )
    if kind == "gmail":
        from providers.email.gmail import GmailSource

        return GmailSource(
            gmail_api(settings, str(config.get("gmail_user") or settings.gmail_user)),
            mailbox=mailbox,
            label=str(config.get("gmail_label") or "INBOX"),
            push_topic=settings.gmail_push_topic,
        )
    raise ProviderConfigError(f"source: {kind!r} is not an email source Mailroom can read")


def gmail_api(settings: Settings, user: str) -> GmailApi:
    """The Gmail API client of the settings' OAuth credentials."""
    from providers.email.gmail import GmailApi

    secret, refresh = settings.gmail_client_secret, settings.gmail_refresh_token
    return GmailApi(
        client_id=settings.gmail_client_id or "",
        client_secret=secret.get_secret_value() if secret else "",
        refresh_token=refresh.get_secret_value() if refresh else "",
        user=user,
        api_base=settings.gmail_api_base,
        token_url=settings.gmail_token_url,
    )


def sent_folder(settings: Settings) -> ImapSentFolder | None:
    """The SMTP replies' Sent folder (IMAP), or None when ``MAILROOM_SMTP_SENT_FOLDER`` is
    unset; its server and login default to the SMTP ones."""
    if not settings.smtp_sent_folder:
        return None
    from providers.email.sent_folder import ImapSentFolder

    password = settings.smtp_sent_imap_password or settings.smtp_password
    return ImapSentFolder(
        host=settings.smtp_sent_imap_host or settings.smtp_host or "",
        port=settings.smtp_sent_imap_port,
        security=settings.smtp_sent_imap_security,
        username=settings.smtp_sent_imap_username or settings.smtp_username or "",
        password=password.get_secret_value() if password else "",
        folder=settings.smtp_sent_folder,
    )


def build_sender(settings: Settings) -> EmailSender:
    """The sender ``MAILROOM_EMAIL_SENDER`` names (not the demo outbox)."""
    if settings.email_sender == "smtp":
        from providers.email.smtp import SmtpSender

        assert settings.smtp_host is not None
        return SmtpSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sent_folder=sent_folder(settings),
            append_to_sent=settings.smtp_sent_append,
        )
    if settings.email_sender == "sendgrid":
        from providers.email.sendgrid import SendGridSender

        assert settings.sendgrid_api_key is not None
        return SendGridSender(
            settings.sendgrid_api_key.get_secret_value(),
            host=settings.sendgrid_api_base,
            activity_lookup=settings.sendgrid_activity_lookup,
        )
    if settings.email_sender == "brevo":
        from providers.email.brevo import BrevoSender

        assert settings.brevo_api_key is not None
        return BrevoSender(
            settings.brevo_api_key.get_secret_value(), base_url=settings.brevo_api_base
        )
    if settings.email_sender == "gmail":
        from providers.email.gmail import GmailSender

        return GmailSender(gmail_api(settings, settings.gmail_user))
    raise ProviderConfigError(f"MAILROOM_EMAIL_SENDER: unknown sender {settings.email_sender!r}")


__all__ = ["PushedSource", "build_sender", "build_source", "sent_folder"]
