"""Replies through SendGrid's v3 Mail Send API, with the official ``sendgrid`` library.

SendGrid puts its own Message-ID on the mail, so ours travels as the custom argument
``mailroom_message_id``. Only the Email Activity API (a paid add-on) can search by it; with it
(``activity_lookup``) ``find_sent`` asks there, without it a reply whose outcome a crash hid is
sent again: at-least-once in that window.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import CustomArg, Header, Mail

from providers.checks import CheckFailed, Probe, http_status
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.email.mime import bracketed, checked_address, sent_subject, thread_headers
from providers.errors import (
    ProviderConfigError,
    TransientProviderError,
    error_for_status,
    retry_after_seconds,
)

_MESSAGE_ID_ARG = "mailroom_message_id"


class SendGridSender(EmailSender):
    """``POST /v3/mail/send``; ``host`` only changes for tests. ``activity_lookup``: the account
    has the Email Activity API and the key may read it."""

    def __init__(
        self, api_key: str, host: str = "https://api.sendgrid.com", activity_lookup: bool = False
    ) -> None:
        if not api_key:
            raise ProviderConfigError("MAILROOM_SENDGRID_API_KEY: required to send via SendGrid")
        self._host = host.rstrip("/")
        self._client = SendGridAPIClient(api_key=api_key, host=self._host)
        self._activity_lookup = activity_lookup

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
        mail.custom_arg = CustomArg(_MESSAGE_ID_ARG, bracketed(email.message_id))
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

    def find_sent(self, message_id: str) -> SendReceipt | None:
        """The receipt of the reply whose custom argument carries ``message_id``, if the Email
        Activity API lists it (whatever became of it after SendGrid took it), else None."""
        wanted = bracketed(message_id)
        if not self._activity_lookup or '"' in wanted or "\\" in wanted:
            return None  # no lookup, or an id the query language cannot quote
        query = f"(unique_args['{_MESSAGE_ID_ARG}']=\"{wanted}\")"
        try:
            response = self._client.client.messages.get(query_params={"query": query, "limit": 10})
        except http_errors.HTTPError as exc:
            raise error_for_status(
                exc.status_code,
                f"SendGrid Email Activity answered {exc.status_code}: {exc.body!r}",
                retry_after_seconds(dict(exc.headers.items()) if exc.headers else None),
            ) from exc
        except OSError as exc:
            raise TransientProviderError(f"SendGrid unreachable: {exc}") from exc
        for message in json.loads(response.body or b"{}").get("messages") or []:
            if not message.get("msg_id"):
                continue
            try:  # the activity lists the last event's time, not when SendGrid took it
                accepted_at = datetime.fromisoformat(str(message.get("last_event_time")))
            except ValueError:
                accepted_at = datetime.now(UTC)
            if accepted_at.tzinfo is None:
                accepted_at = accepted_at.replace(tzinfo=UTC)
            return SendReceipt(provider_message_id=str(message["msg_id"]), accepted_at=accepted_at)
        return None


__all__ = ["SendGridSender"]
