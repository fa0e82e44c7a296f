"""Interface of the notification family (Slack, webhooks, email)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Notification(BaseModel):
    """A short message for people watching a channel."""

    title: str
    text: str
    severity: Literal["info", "warning", "urgent"] = "info"
    fields: dict[str, str] = Field(default_factory=dict)
    link: str | None = None
    # Where it goes (a Slack channel such as "#billing-team"); None: the notifier's own channel.
    channel: str | None = None


class DeliveryReceipt(BaseModel):
    """What a notifier reports back after delivering a notification."""

    channel: str
    delivery_id: str
    delivered_at: datetime


class Notifier(ABC):
    """A channel notifications are delivered to."""

    channel: str

    @abstractmethod
    def notify(self, notification: Notification) -> DeliveryReceipt:
        """Deliver one notification to ``notification.channel`` (or, when it names none, to
        the notifier's own channel); raise a provider error on failure."""

    def target(self, notification: Notification) -> str:
        """The channel ``notification`` is delivered to."""
        return (notification.channel or "").strip() or self.channel
