"""Replies through Brevo's transactional email API (``POST /v3/smtp/email``)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr

import httpx

from providers.checks import Probe, http_status
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.email.mime import bracketed, checked_address, sent_subject, thread_headers
from providers.errors import (
    ProviderConfigError,
    TransientProviderError,
    error_for_status,
    retry_after_seconds,
)


def _party(value: str) -> dict[str, str]:
    name, address = parseaddr(value)
    return {"email": address, **({"name": name} if name else {})}


class BrevoSender(EmailSender):
    """Sends with the ``api-key`` header; ``base_url`` only changes for tests."""

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.brevo.com/v3",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ProviderConfigError("MAILROOM_BREVO_API_KEY: required to send via Brevo")
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"api-key": api_key, "accept": "application/json"},
            timeout=30,
            transport=transport,
        )

    def verify(self, probe: Probe) -> None:
        """Resolve and connect to the API, then an authenticated read (``GET /account``):
        a refused key fails the ``auth`` stage. Nothing is sent."""
        probe.url(str(self._http.base_url), self._http.timeout.connect or 30)

        def account() -> str:
            response = self._http.get("/account")
            http_status("read", response.status_code, response.text, "")
            company = str(response.json().get("companyName") or "")
            return f"GET /account accepted the key{f' ({company})' if company else ''}"

        probe.run("auth", account)

    def send(self, email: OutgoingEmail) -> SendReceipt:
        headers = {"Message-ID": bracketed(email.message_id), **thread_headers(email)}
        body = {
            "sender": _party(checked_address("from_address", email.from_address)),
            "to": [_party(checked_address("to_address", email.to_address))],
            "subject": sent_subject(email),
            "textContent": email.body_text,
            "headers": headers,
        }
        try:
            response = self._http.post("/smtp/email", json=body)
        except httpx.HTTPError as exc:
            raise TransientProviderError(f"Brevo unreachable: {exc}") from exc
        if response.status_code in (200, 201, 202):
            message_id = response.json().get("messageId") or email.message_id
            return SendReceipt(provider_message_id=str(message_id), accepted_at=datetime.now(UTC))
        raise error_for_status(
            response.status_code,
            f"Brevo answered {response.status_code}: {response.text[:300]}",
            retry_after_seconds(response.headers),
        )


__all__ = ["BrevoSender"]
