"""Interface of the notification family (Slack, webhooks, email)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field

#: The longest error message an attempt report carries.
ERROR_LIMIT = 200


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


class DeliveryAttempt(BaseModel):
    """One try at delivering a notification, as the notifier reports it while it works.

    Nothing here is secret: ``target`` is a channel, an address or a URL without its
    credentials and query, and ``error`` is a short message with the notifier's secrets blanked.
    """

    kind: str  # the notifier: "slack", "webhook", "email", "demo"
    target: str
    attempt: int  # 1 for the first try of this notify() call
    at: datetime
    status_code: int | None = None  # the HTTP status answered, when there was an answer
    error_class: str | None = None  # None: delivered
    error: str | None = None
    # Seconds until the notifier tries again; None when it will not (delivered, or given up).
    retry_in: float | None = None

    @property
    def delivered(self) -> bool:
        return self.error_class is None


#: Called by a notifier after each attempt, before it waits for the next one.
AttemptListener = Callable[[DeliveryAttempt], None]


def ignore_attempt(attempt: DeliveryAttempt) -> None:
    """The listener of a caller that keeps no delivery log."""


class Notifier(ABC):
    """A channel notifications are delivered to."""

    channel: str
    kind: ClassVar[str] = "notifier"

    @abstractmethod
    def notify(
        self, notification: Notification, on_attempt: AttemptListener = ignore_attempt
    ) -> DeliveryReceipt:
        """Deliver one notification to ``notification.channel`` (or, when it names none, to
        the notifier's own channel); raise a provider error on failure. ``on_attempt`` hears
        of every attempt (delivered or failed) as it ends."""

    def target(self, notification: Notification) -> str:
        """The channel ``notification`` is delivered to."""
        return (notification.channel or "").strip() or self.channel


def shown_url(url: str) -> str:
    """``url`` as it may be shown and stored: no user name or password, no query, no fragment
    (either may hold a token)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def scrubbed(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with each of ``secrets`` blanked, cut to ``ERROR_LIMIT`` characters."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text[:ERROR_LIMIT]
