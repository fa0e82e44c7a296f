"""Replies through Brevo's transactional email API (``POST /v3/smtp/email``).

Brevo puts its own Message-ID on the mail it sends, so a reply is also tagged with a tag derived
from our Message-ID: ``find_sent`` looks that tag up in the transactional email events
(``GET /v3/smtp/statistics/events``), where Brevo records every request it accepted.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import quote

import httpx

from providers.checks import Probe, http_status
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.email.mime import bracketed, checked_address, sent_subject, thread_headers
from providers.errors import (
    PermanentProviderError,
    ProviderConfigError,
    TransientProviderError,
    error_for_status,
    retry_after_seconds,
)
from providers.notify.retry import DEFAULT_BACKOFF, Backoff, with_retries

#: Event types that do not show the mail went out (Brevo could not send it); any other one does.
_NOT_TAKEN = frozenset({"error"})


def _party(value: str) -> dict[str, str]:
    name, address = parseaddr(value)
    return {"email": address, **({"name": name} if name else {})}


def sent_tag(message_id: str) -> str:
    """The Brevo tag of the reply with ``message_id``: letters and digits only, whatever the id."""
    digest = hashlib.sha256(bracketed(message_id).encode("utf-8")).hexdigest()[:32]
    return f"mailroom-{digest}"


def _event_time(value: object) -> datetime:
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


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
            "tags": [sent_tag(email.message_id)],
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

    def find_sent(self, message_id: str) -> SendReceipt | None:
        """The receipt of the reply tagged for ``message_id`` if Brevo's events (the last 30
        days) show it took the request, or None."""
        tag = sent_tag(message_id)
        params: dict[str, str | int] = {"tags": tag, "days": 30, "limit": 100, "sort": "asc"}
        try:
            response = self._http.get("/smtp/statistics/events", params=params)
        except httpx.HTTPError as exc:
            raise TransientProviderError(f"Brevo unreachable: {exc}") from exc
        if response.status_code != 200:
            raise error_for_status(
                response.status_code,
                f"Brevo events answered {response.status_code}: {response.text[:300]}",
                retry_after_seconds(response.headers),
            )
        for event in response.json().get("events") or []:
            tags = event.get("tags") or ([event["tag"]] if event.get("tag") else [])
            if tags and tag not in tags:
                continue  # not ours, whatever the filter did
            if event.get("event") in _NOT_TAKEN:
                continue
            return SendReceipt(
                provider_message_id=str(event.get("messageId") or bracketed(message_id)),
                accepted_at=_event_time(event.get("date")),
            )
        return None


class BrevoInboundAttachments:
    """Downloads the attachments of Brevo's inbound parsing webhook by their ``DownloadToken``
    (``GET /v3/inbound/attachments/{downloadToken}`` with the ``api-key`` header), retrying
    transient failures (network, 5xx, 429 with its Retry-After) with backoff."""

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.brevo.com/v3",
        *,
        max_bytes: int = 40 * 1024 * 1024,
        backoff: Backoff = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ProviderConfigError("MAILROOM_BREVO_API_KEY: required to fetch attachments")
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers={"api-key": api_key}, timeout=60
        )
        self._max_bytes, self._backoff, self._sleep = max_bytes, backoff, sleep

    def download(self, token: str) -> bytes:
        """The attachment's bytes; raises a ``ProviderError`` once retries are spent."""
        path = f"/inbound/attachments/{quote(token, safe='')}"
        return with_retries(
            "brevo inbound attachment", lambda: self._get(path), self._backoff, self._sleep
        )

    def _get(self, path: str) -> bytes:
        try:
            with self._http.stream("GET", path) as response:
                if response.status_code != 200:
                    response.read()
                    raise error_for_status(
                        response.status_code,
                        f"Brevo attachment answered {response.status_code}: {response.text[:200]}",
                        retry_after_seconds(response.headers),
                    )
                content = bytearray()
                for chunk in response.iter_bytes():
                    content += chunk
                    if len(content) > self._max_bytes:
                        raise PermanentProviderError(
                            f"the attachment is larger than {self._max_bytes} bytes"
                        )
                return bytes(content)
        except httpx.HTTPError as exc:
            raise TransientProviderError(f"Brevo unreachable: {exc}") from exc

    def close(self) -> None:
        self._http.close()


__all__ = ["BrevoInboundAttachments", "BrevoSender"]
