"""The notifier ``MAILROOM_NOTIFIER`` names (not the demo one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.errors import ProviderConfigError
from providers.notify.base import Notifier

if TYPE_CHECKING:
    from engine.settings import Settings


def build_notifier(settings: Settings) -> Notifier:
    kind = settings.notifier
    if kind == "slack_webhook" and settings.slack_webhook_url is not None:
        from providers.notify.slack import SlackWebhookNotifier

        return SlackWebhookNotifier(
            settings.slack_webhook_url.get_secret_value(), channel=settings.slack_channel
        )
    if kind == "slack" and settings.slack_bot_token is not None:
        from providers.notify.slack import SlackBotNotifier

        return SlackBotNotifier(
            settings.slack_bot_token.get_secret_value(),
            channel=settings.slack_channel,
            base_url=settings.slack_api_base,
        )
    if kind == "webhook" and settings.webhook_url and settings.webhook_secret is not None:
        from providers.notify.webhook import WebhookNotifier

        return WebhookNotifier(settings.webhook_url, settings.webhook_secret.get_secret_value())
    if kind == "email" and settings.notify_email_to:
        from engine.adapters.email import build_sender
        from providers.email.smtp import SmtpSender
        from providers.notify.email import EmailNotifier

        sender = (
            build_sender(settings)
            if settings.email_sender != "demo"
            else SmtpSender(
                host=settings.smtp_host or "",
                port=settings.smtp_port,
                security=settings.smtp_security,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value()
                if settings.smtp_password
                else None,
            )
        )
        return EmailNotifier(sender, settings.reply_from_address, settings.notify_email_to)
    raise ProviderConfigError(f"MAILROOM_NOTIFIER: {kind!r} is missing its settings")


__all__ = ["build_notifier"]
