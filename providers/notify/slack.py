"""Slack through the official SDK: an incoming webhook, or ``chat.postMessage`` with a bot
token; both with the Block Kit payload the demo notifier writes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError, SlackClientError

from providers.errors import PermanentProviderError, ProviderConfigError, TransientProviderError
from providers.notify.base import DeliveryReceipt, Notification, Notifier
from providers.notify.demo import slack_payload
from providers.notify.retry import (
    DEFAULT_BACKOFF,
    Backoff,
    RetryAfter,
    retry_after_seconds,
    with_retries,
)

_TRANSIENT_ERRORS = {
    "ratelimited",
    "service_unavailable",
    "internal_error",
    "fatal_error",
    "request_timeout",
}


class SlackWebhookNotifier(Notifier):
    """Posts to a Slack incoming webhook URL."""

    def __init__(
        self,
        url: str,
        channel: str = "#support-urgent",
        backoff: Backoff = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ProviderConfigError("MAILROOM_SLACK_WEBHOOK_URL: must be an http(s) URL")
        self.channel = channel
        self._client = WebhookClient(url, timeout=30)
        self._backoff, self._sleep = backoff, sleep

    def notify(self, notification: Notification) -> DeliveryReceipt:
        payload = slack_payload(notification, self.channel)

        def attempt() -> None:
            try:
                response = self._client.send(text=payload["text"], blocks=payload["blocks"])
            except (SlackClientError, OSError) as exc:
                raise TransientProviderError(f"Slack webhook: {exc}") from exc
            if response.status_code == 429:
                raise RetryAfter(
                    "Slack webhook: rate limited",
                    retry_after_seconds(_header(response.headers, "retry-after")),
                )
            if response.status_code >= 500:
                raise TransientProviderError(f"Slack webhook answered {response.status_code}")
            if response.status_code != 200:
                raise PermanentProviderError(
                    f"Slack webhook answered {response.status_code}: {response.body[:200]}"
                )

        with_retries(self.channel, attempt, self._backoff, self._sleep)
        return DeliveryReceipt(
            channel=self.channel, delivery_id=uuid.uuid4().hex, delivered_at=datetime.now(UTC)
        )


class SlackBotNotifier(Notifier):
    """``chat.postMessage`` with a bot token (``base_url`` only changes for tests)."""

    def __init__(
        self,
        token: str,
        channel: str,
        base_url: str = "https://slack.com/api/",
        backoff: Backoff = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise ProviderConfigError("MAILROOM_SLACK_BOT_TOKEN: required for chat.postMessage")
        self.channel = channel
        self._client = WebClient(token=token, base_url=base_url, timeout=30)
        self._backoff, self._sleep = backoff, sleep

    def notify(self, notification: Notification) -> DeliveryReceipt:
        payload = slack_payload(notification, self.channel)

        def attempt() -> str:
            try:
                response = self._client.chat_postMessage(
                    channel=self.channel, text=payload["text"], blocks=payload["blocks"]
                )
            except SlackApiError as exc:
                error = str(exc.response.get("error", ""))
                if exc.response.status_code == 429 or error == "ratelimited":
                    raise RetryAfter(
                        "Slack: rate limited",
                        retry_after_seconds(_header(exc.response.headers, "retry-after")),
                    ) from exc
                if error in _TRANSIENT_ERRORS or exc.response.status_code >= 500:
                    raise TransientProviderError(f"Slack chat.postMessage: {error}") from exc
                raise PermanentProviderError(f"Slack chat.postMessage: {error}") from exc
            except (SlackClientError, OSError) as exc:
                raise TransientProviderError(f"Slack chat.postMessage: {exc}") from exc
            return f"{response.get('channel')}:{response.get('ts')}"

        delivery_id = with_retries(self.channel, attempt, self._backoff, self._sleep)
        return DeliveryReceipt(
            channel=self.channel, delivery_id=delivery_id, delivered_at=datetime.now(UTC)
        )


def _header(headers: object, name: str) -> str | None:
    if not isinstance(headers, dict):
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


__all__ = ["SlackBotNotifier", "SlackWebhookNotifier"]
