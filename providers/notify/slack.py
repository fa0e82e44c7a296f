"""Slack through the official SDK: an incoming webhook, or ``chat.postMessage`` with a bot
token; both with the Block Kit payload the demo notifier writes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError, SlackClientError

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
)
from providers.notify.demo import slack_payload
from providers.notify.retry import (
    DEFAULT_BACKOFF,
    AttemptReporter,
    Backoff,
    status_result,
    with_retries,
)

# Slack answers most failures with HTTP 200 and an error name; these names mean what an HTTP
# status would (any other name is a permanent failure).
_ERROR_STATUS = {
    "invalid_auth": 401,
    "not_authed": 401,
    "token_revoked": 401,
    "account_inactive": 401,
    "missing_scope": 403,
    "ratelimited": 429,
    "service_unavailable": 503,
    "internal_error": 500,
    "fatal_error": 500,
    "request_timeout": 408,
}


class SlackWebhookNotifier(Notifier):
    """Posts to a Slack incoming webhook URL.

    The payload names the notification's channel, which a legacy incoming webhook honours; a
    webhook made by a Slack app posts only to the channel chosen when it was created (Slack
    ignores the field), so per-node channels need the bot token (``SlackBotNotifier``).
    """

    kind = "slack"

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
        self._url = url  # its path is the webhook's secret
        self._client = WebhookClient(url, timeout=30)
        self._backoff, self._sleep = backoff, sleep

    def notify(
        self, notification: Notification, on_attempt: AttemptListener = ignore_attempt
    ) -> DeliveryReceipt:
        channel = self.target(notification)
        payload = slack_payload(notification, channel)
        reporter = AttemptReporter(self.kind, channel, on_attempt, (self._url,))

        def attempt() -> int:
            try:
                response = self._client.send_dict(payload)
            except (SlackClientError, OSError) as exc:
                raise TransientProviderError(f"Slack webhook: {exc}") from exc
            if response.status_code != 200:
                raise error_for_status(
                    response.status_code,
                    f"Slack webhook answered {response.status_code}: {response.body[:200]}",
                    retry_after_seconds(_headers(response.headers)),
                )
            return response.status_code

        with_retries(channel, attempt, self._backoff, self._sleep, reporter, status_result)
        return DeliveryReceipt(
            channel=channel, delivery_id=uuid.uuid4().hex, delivered_at=datetime.now(UTC)
        )


class SlackBotNotifier(Notifier):
    """``chat.postMessage`` with a bot token (``base_url`` only changes for tests)."""

    kind = "slack"

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
        self._token = token
        self._client = WebClient(token=token, base_url=base_url, timeout=30)
        self._backoff, self._sleep = backoff, sleep

    def notify(
        self, notification: Notification, on_attempt: AttemptListener = ignore_attempt
    ) -> DeliveryReceipt:
        channel = self.target(notification)
        payload = slack_payload(notification, channel)
        reporter = AttemptReporter(self.kind, channel, on_attempt, (self._token,))

        def attempt() -> tuple[str, int]:
            try:
                response = self._client.chat_postMessage(
                    channel=channel, text=payload["text"], blocks=payload["blocks"]
                )
            except SlackApiError as exc:
                error = str(exc.response.get("error", ""))
                raise error_for_status(
                    _ERROR_STATUS.get(error, exc.response.status_code),
                    f"Slack chat.postMessage: {error}",
                    retry_after_seconds(_headers(exc.response.headers)),
                ) from exc
            except (SlackClientError, OSError) as exc:
                raise TransientProviderError(f"Slack chat.postMessage: {exc}") from exc
            return f"{response.get('channel')}:{response.get('ts')}", response.status_code

        delivery_id, _ = with_retries(
            channel, attempt, self._backoff, self._sleep, reporter, lambda answer: answer[1]
        )
        return DeliveryReceipt(
            channel=channel, delivery_id=delivery_id, delivered_at=datetime.now(UTC)
        )


def _headers(headers: object) -> dict[str, str]:
    """The SDK's response headers as plain strings (it may keep a list of values per name)."""
    if not isinstance(headers, dict):
        return {}
    return {
        str(name): str(value[0] if isinstance(value, list) and value else value)
        for name, value in headers.items()
    }


__all__ = ["SlackBotNotifier", "SlackWebhookNotifier"]
