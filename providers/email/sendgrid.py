"""Replies through SendGrid's v3 Mail Send API, with the official ``sendgrid`` library."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import CustomArg, Header, Mail

from providers.checks import CheckFailed, Probe, http_status
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.email.mime import checked_address, sent_subject, thread_headers
from providers.errors import (
    ProviderConfigError,
    TransientProviderError,
    error_for_status,
    retry_after_seconds,
)


class SendGridSender(EmailSender):
    """``POST /v3/mail/send``; ``host`` only changes for tests."""

    def __init__(self, api_key: str, host: str = "https://api.sendgrid.com") -> None:
        if not api_key:
            raise ProviderConfigError("MAILROOM_SENDGRID_API_KEY: required to send via SendGrid")
        self._host = host.rstrip("/")
        self._client = SendGridAPIClient(api_key=api_key, host=self._host)

    def verify(self, probe: Probe) -> None:
        """Resolve and connect to the API, then an authenticated read (``GET /v3/scopes``):
        a refused key fails the ``auth`` stage; a key without ``mail.send`` fails ``scope``.
        Nothing is sent."""
        probe.url(self._host, 30)

        def scopes() -> str:
            try:
                response = self._client.client.scopes.get()
            except http_errors.HTTPError as exc:
                body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else ""
                return http_status("read", exc.status_code, body, "")
            granted = json.loads(response.body or b"{}").get("scopes") or []
            if "mail.send" not in granted:
                raise CheckFailed("scope", "the key is valid but lacks the mail.send scope")
            return f"GET /v3/scopes accepted the key ({len(granted)} scopes, mail.send among them)"

        probe.run("auth", scopes)

    def send(self, email: OutgoingEmail) -> SendReceipt:
        mail = Mail(
            from_email=checked_address("from_address", email.from_address),
            to_emails=checked_address("to_address", email.to_address),
            subject=sent_subject(email),
            plain_text_content=email.body_text,
        )
        for name, value in thread_headers(email).items():
            mail.header = Header(name, value)
        # Our Message-ID travels as a custom arg: SendGrid assigns the header itself.
        mail.custom_arg = CustomArg("mailroom_message_id", email.message_id)
        try:
            response = self._client.send(mail)
        except http_errors.HTTPError as exc:
            raise error_for_status(
                exc.status_code,
                f"SendGrid answered {exc.status_code}: {exc.body!r}",
                retry_after_seconds(dict(exc.headers.items()) if exc.headers else None),
            ) from exc
        except OSError as exc:
            raise TransientProviderError(f"SendGrid unreachable: {exc}") from exc
        provider_id = response.headers.get("X-Message-Id") or email.message_id
        return SendReceipt(provider_message_id=str(provider_id), accepted_at=datetime.now(UTC))


__all__ = ["SendGridSender"]
