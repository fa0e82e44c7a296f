"""Generic webhooks: a JSON POST signed with HMAC-SHA256, retried with backoff.

The receiver checks ``X-Mailroom-Signature: sha256=<hex>``, the HMAC-SHA256 under the shared
secret of ``<X-Mailroom-Timestamp>.<raw body>``, and may refuse old timestamps (replays).
``X-Mailroom-Delivery`` is the same on every retry of one notification, so it can deduplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from providers.errors import (
    ProviderConfigError,
    TransientProviderError,
    error_for_status,
    retry_after_seconds,
)
from providers.notify.base import (
    AttemptListener,
    DeliveryReceipt,
    Notification,
    Notifier,
    ignore_attempt,
    shown_url,
)
from providers.notify.retry import (
    DEFAULT_BACKOFF,
    AttemptReporter,
    Backoff,
    status_result,
    with_retries,
)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of ``X-Mailroom-Signature`` for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class WebhookNotifier(Notifier):
    """POSTs each notification as JSON to ``url``."""

    kind = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        backoff: Backoff = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ProviderConfigError("MAILROOM_WEBHOOK_URL: must be an http(s) URL")
        if not secret:
            raise ProviderConfigError("MAILROOM_WEBHOOK_SECRET: required to sign webhooks")
        self.channel = url
        self._url, self._secret = url, secret
        self._backoff, self._sleep, self._clock = backoff, sleep, clock
        self._http = httpx.Client(timeout=30, transport=transport)

    def notify(
        self, notification: Notification, on_attempt: AttemptListener = ignore_attempt
    ) -> DeliveryReceipt:
        delivery_id = uuid.uuid4().hex
        secrets = (self._url, self._secret)
        reporter = AttemptReporter(self.kind, shown_url(self._url), on_attempt, secrets)
        body = json.dumps(
            {"delivery_id": delivery_id, **notification.model_dump()}, ensure_ascii=False
        ).encode("utf-8")

        def attempt() -> int:
            timestamp = str(int(self._clock()))
            headers = {
                "Content-Type": "application/json",
                "X-Mailroom-Delivery": delivery_id,
                "X-Mailroom-Timestamp": timestamp,
                "X-Mailroom-Signature": signature(self._secret, timestamp, body),
            }
            try:
                response = self._http.post(self._url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                raise TransientProviderError(f"webhook {shown_url(self._url)}: {exc}") from exc
            if response.status_code >= 300:
                raise error_for_status(
                    response.status_code,
                    f"webhook answered {response.status_code}",
                    retry_after_seconds(response.headers),
                )
            return response.status_code

        with_retries(reporter.target, attempt, self._backoff, self._sleep, reporter, status_result)
        return DeliveryReceipt(
            channel=self.channel, delivery_id=delivery_id, delivered_at=datetime.now(UTC)
        )

    def close(self) -> None:
        self._http.close()


__all__ = ["WebhookNotifier", "signature"]
