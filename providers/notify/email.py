"""Notifications as plain emails, through any ``EmailSender``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from providers.email.base import EmailSender, OutgoingEmail
from providers.notify.base import (
    AttemptListener,
    DeliveryReceipt,
    Notification,
    Notifier,
    ignore_attempt,
)
from providers.notify.retry import AttemptReporter


class EmailNotifier(Notifier):
    """Sends each notification to ``to_address``, once per call (the sender has its own
    retries)."""

    kind = "email"

    def __init__(self, sender: EmailSender, from_address: str, to_address: str) -> None:
        self.channel = f"mailto:{to_address}"
        self._sender, self._from, self._to = sender, from_address, to_address

    def notify(
        self, notification: Notification, on_attempt: AttemptListener = ignore_attempt
    ) -> DeliveryReceipt:
        lines = [notification.text, ""] + [f"{k}: {v}" for k, v in notification.fields.items()]
        if notification.channel:
            # One address receives every notification; the channel says which team it was for.
            lines.append(f"Channel: {notification.channel}")
        if notification.link:
            lines += ["", notification.link]
        domain = self._from.rpartition("@")[2] or "mailroom.invalid"
        reporter = AttemptReporter(self.kind, self.channel, on_attempt)
        try:
            receipt = self._sender.send(
                OutgoingEmail(
                    message_id=f"<notify.{uuid.uuid4().hex}@{domain}>",
                    from_address=self._from,
                    to_address=self._to,
                    subject=f"[{notification.severity}] {notification.title}",
                    body_text="\n".join(lines).strip(),
                )
            )
        except Exception as exc:
            reporter.failed(1, exc, None)
            raise
        reporter.delivered(1, None)
        return DeliveryReceipt(
            channel=self.channel,
            delivery_id=receipt.provider_message_id,
            delivered_at=datetime.now(UTC),
        )


__all__ = ["EmailNotifier"]
