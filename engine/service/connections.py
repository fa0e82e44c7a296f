"""Connection tests: a mailbox config, the reply sender and an AI provider, tried without
sending or changing anything; the report names the stage that failed and never a secret."""

from __future__ import annotations

from typing import Any

from engine.adapters.checks import ConnectionReport, check_ai, check_mailbox, check_sender
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.roles import Actor
from engine.service.core import ServiceCore
from engine.service.permissions import requires

#: The sender settings a test may change (never a secret: those come from the settings).
SENDER_OVERRIDES = frozenset(
    {"email_sender", "smtp_host", "smtp_port", "smtp_security", "smtp_username"}
)


class ConnectionOperations(ServiceCore):
    """Connection test operations of the service (managers set up mailboxes, admins all)."""

    @requires("test_connections")
    def check_mailbox_connection(self, actor: Actor, config: dict[str, Any]) -> ConnectionReport:
        """Try the mailbox an email trigger with ``config`` would read (validated as the
        trigger's config: a bad one raises pydantic's ``ValidationError``). The password is
        the one the settings or ``password_env`` hold, never one from the caller."""
        trigger = EmailTriggerConfig.model_validate(config)
        report = check_mailbox(trigger.model_dump(), self.settings)
        return self._audited(actor, report)

    @requires("test_connections")
    def check_sender_connection(
        self, actor: Actor, overrides: dict[str, Any] | None = None
    ) -> ConnectionReport:
        """Try the reply sender the settings name, or the one they name with ``overrides``
        (``email_sender`` and the SMTP host, port, security and user name), without sending."""
        changes = {k: v for k, v in (overrides or {}).items() if v is not None}
        unknown = sorted(set(changes) - SENDER_OVERRIDES)
        if unknown:
            raise ValueError(f"a sender test cannot change {', '.join(unknown)}")
        settings = self.settings.model_copy(update=changes)
        return self._audited(actor, check_sender(settings))

    @requires("test_connections")
    def check_ai_connection(self, actor: Actor, provider: str, model: str = "") -> ConnectionReport:
        """Classify one short made-up email with ``provider`` alone (``local`` or a remote
        provider the settings configure), with ``model`` instead of its configured one."""
        report = check_ai(self.settings, provider, model, lambda: self.providers.ai_for("local"))
        return self._audited(actor, report)

    def _audited(self, actor: Actor, report: ConnectionReport) -> ConnectionReport:
        self._audit(
            actor,
            "test_connection",
            f"{report.kind} {report.target}",
            after={"ok": report.ok, "stage": report.stage},
        )
        return report
