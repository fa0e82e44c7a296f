"""The demo notifier: Slack messages are rendered exactly as Slack would receive them and
appended, one JSON object per line, to a local .jsonl file instead of being posted."""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from providers.errors import ProviderConfigError, TransientProviderError
from providers.notify.base import (
    AttemptListener,
    DeliveryReceipt,
    Notification,
    Notifier,
    ignore_attempt,
)
from providers.notify.retry import AttemptReporter

# Slack Block Kit limits (characters) and the emoji/button style shown per severity.
_HEADER_LIMIT = 150
_SECTION_LIMIT = 3000
_FIELD_LIMIT = 2000
_FIELDS_PER_SECTION = 10
_URL_LIMIT = 3000
_SEVERITY_EMOJI = {
    "info": ":information_source:",
    "warning": ":warning:",
    "urgent": ":rotating_light:",
}
_BUTTON_STYLE = {"warning": "primary", "urgent": "danger"}


def _truncated(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escaped(text: str) -> str:
    # Slack reads &, < and > as control characters in mrkdwn; the notification is plain data.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mrkdwn(text: str, limit: int) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _truncated(_escaped(text), limit)}


def slack_payload(notification: Notification, channel: str) -> dict[str, Any]:
    """The Slack payload for ``notification``: a fallback ``text`` and Block Kit ``blocks``."""
    title = notification.title.strip() or "Mailroom notification"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": _truncated(title, _HEADER_LIMIT),
                "emoji": True,
            },
        }
    ]
    if notification.text.strip():
        blocks.append({"type": "section", "text": _mrkdwn(notification.text, _SECTION_LIMIT)})
    fields = [
        _mrkdwn(f"*{name}*\n{value}", _FIELD_LIMIT) for name, value in notification.fields.items()
    ]
    for start in range(0, len(fields), _FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + _FIELDS_PER_SECTION]})
    if notification.link and len(notification.link) <= _URL_LIMIT:
        button: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open in Mailroom", "emoji": True},
            "url": notification.link,
            "action_id": "open_link",
        }
        style = _BUTTON_STYLE.get(notification.severity)
        if style:
            button["style"] = style
        blocks.append({"type": "actions", "elements": [button]})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{_SEVERITY_EMOJI[notification.severity]} "
                    f"Severity: *{notification.severity}*",
                }
            ],
        }
    )
    fallback = f"{title}: {notification.text}" if notification.text.strip() else title
    return {
        "channel": channel,
        "text": _truncated(fallback, _SECTION_LIMIT),
        "blocks": blocks,
    }


class DemoNotifier(Notifier):
    """Appends each notification as a Slack ``chat.postMessage`` payload to ``path``.

    Each line is ``{"delivery_id", "delivered_at", "payload": {"channel", "text", "blocks"}}``.
    """

    kind = "demo"

    def __init__(self, path: Path, channel: str = "#support-urgent") -> None:
        if not isinstance(channel, str) or not channel.strip():
            raise ProviderConfigError(f"channel: must be a non-empty channel name, got {channel!r}")
        self.path = Path(path)
        self.channel = channel
        self._lock = threading.Lock()

    def render_blocks(self, notification: Notification) -> dict[str, Any]:
        """The Slack payload for ``notification``: a fallback ``text`` and Block Kit ``blocks``."""
        return slack_payload(notification, self.target(notification))

    def notify(
        self, notification: Notification, on_attempt: AttemptListener = ignore_attempt
    ) -> DeliveryReceipt:
        """Append the rendered notification to the .jsonl file as one line."""
        reporter = AttemptReporter(self.kind, self.target(notification), on_attempt)
        delivered_at = datetime.now(UTC)
        delivery_id = uuid.uuid4().hex
        record = {
            "delivery_id": delivery_id,
            "delivered_at": delivered_at.isoformat(),
            "payload": self.render_blocks(notification),
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock:
                self._append(line)
        except OSError as exc:
            error = TransientProviderError(f"could not write notification: {exc}")
            error.__cause__ = exc
            reporter.failed(1, error, None)
            raise error from exc
        reporter.delivered(1, None)
        return DeliveryReceipt(
            channel=self.target(notification), delivery_id=delivery_id, delivered_at=delivered_at
        )

    def _append(self, line: bytes) -> None:
        # One O_APPEND write per line (a regular file takes it whole), so lines appended by
        # several processes do not interleave.
        handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(line)
            while view:
                written = os.write(handle, view)
                view = view[written:]
        finally:
            os.close(handle)


__all__ = ["DemoNotifier", "slack_payload"]
