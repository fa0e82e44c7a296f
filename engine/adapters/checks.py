"""Connection tests: a mailbox, the reply sender or an AI provider, built from the settings as
the engine builds them, tried stage by stage without sending or changing anything.

Each answers a :class:`ConnectionReport`: whether it worked, the stage that failed (``config``,
``dns``, ``connect``, ``greeting``, ``tls``, ``ehlo``, ``auth``, ``select``, ``stat``, ``read``,
``classify``...) and what each stage found. No secret is ever in a report: every secret the
settings hold (and the mailbox password a config names) is removed from every detail, even
from a server's own error text.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args

from pydantic import AliasChoices, SecretStr

from engine.settings import Settings
from providers.ai.base import AIProvider
from providers.ai.taxonomy import SUPPORT_TAXONOMY
from providers.checks import CheckFailed, Probe, Step, describe
from providers.email.base import InboundEmail
from providers.errors import AuthenticationError, InvalidModelOutputError, ProviderError

REDACTED = "[secret]"
#: Shorter values are not searched for: they would blank ordinary words, and are no secret.
MIN_SECRET_LENGTH = 4
#: Where each remote AI provider is reached when its settings name no URL.
DEFAULT_AI_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
#: The settings each sender needs (as the settings check at start; a test may change them).
SENDER_NEEDS: dict[str, tuple[str, ...]] = {
    "smtp": ("smtp_host",),
    "sendgrid": ("sendgrid_api_key",),
    "brevo": ("brevo_api_key",),
    "gmail": ("gmail_client_id", "gmail_client_secret", "gmail_refresh_token"),
}
#: The email a provider classifies to prove it answers (no customer data is sent).
PROBE_EMAIL = InboundEmail(
    message_id="<connection-test@mailroom.example>",
    mailbox="connection-test",
    from_address="customer@example.com",
    subject="Where is my order?",
    body_text="Hello, my order has not arrived yet. Can you tell me where it is?",
    received_at=datetime(2024, 1, 1, tzinfo=UTC),
)


@dataclass(frozen=True)
class ConnectionReport:
    """What a connection test found: ``ok``, or the ``stage`` that failed and why."""

    kind: str
    target: str
    ok: bool
    stage: str | None
    detail: str
    steps: list[Step] = field(default_factory=list)


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
    return found


def foreign_secret(password_env: object) -> str | None:
    """Why ``password_env`` may not name the variable it names (it holds another of
    Mailroom's secrets, which would be sent as a password to whatever host the config names),
    or None."""
    from engine.adapters.email import DEFAULT_PASSWORDS

    if password_env and str(password_env).upper() in secret_variables() - set(
        DEFAULT_PASSWORDS.values()
    ):
        return f"password_env: {password_env} holds another Mailroom secret, not a mailbox password"
    return None


def secret_variables() -> frozenset[str]:
    """The environment variables of the settings' own secrets (``MAILROOM_SMTP_PASSWORD``...)."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    found: set[str] = set()
    for name, setting in Settings.model_fields.items():
        annotation = setting.annotation
        if annotation is not SecretStr and SecretStr not in get_args(annotation):
            continue
        alias = setting.validation_alias
        if isinstance(alias, AliasChoices):
            found.update(str(choice) for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            found.add(alias)
        found.add(f"{prefix}{name}".upper())
    return frozenset(found)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (longest first, so none is left half-shown) replaced."""
    searched = {secret for secret in secrets if len(secret) >= MIN_SECRET_LENGTH}
    for secret in sorted(searched, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _report(kind: str, target: str, probe: Probe, secrets: list[str]) -> ConnectionReport:
    steps = [Step(s.stage, s.ok, scrub(s.detail, secrets)) for s in probe.steps]
    failed = next((s for s in steps if not s.ok), None)
    if failed is None:
        return ConnectionReport(kind, target, True, None, steps[-1].detail if steps else "", steps)
    return ConnectionReport(kind, target, False, failed.stage, failed.detail, steps)


def _run(
    kind: str,
    target: str,
    secrets: list[str],
    build: Callable[[], Any],
    check: Callable[[Any, Probe], None],
) -> ConnectionReport:
    """Build the provider (a refused setting is the ``config`` stage), then check it."""
    probe = Probe()
    built: list[Any] = []

    def configured() -> str:
        built.append(build())
        return "the settings are complete"

    try:
        probe.run("config", configured)
        check(built[0], probe)
    except CheckFailed:
        pass  # the probe recorded the stage that failed
    finally:
        for provider in built:
            close = getattr(provider, "close", None)
            if callable(close):
                close()
    return _report(kind, target, probe, secrets)


def check_mailbox(config: Mapping[str, Any], settings: Settings) -> ConnectionReport:
    """Try the mailbox an email trigger with ``config`` reads (IMAP: connect, TLS, login,
    select; POP3: connect, TLS, login, stat; Gmail: token and profile); pushed sources
    (SendGrid, Brevo) have nothing to try."""
    from engine.adapters.email import build_source

    source = str(config.get("source") or "demo")
    secrets = settings_secrets(settings)
    named = config.get("password_env")
    why = foreign_secret(named)
    if why is not None:
        return ConnectionReport(
            "mailbox", source, False, "config", why, [Step("config", False, why)]
        )
    if named and os.environ.get(str(named)):
        secrets.append(os.environ[str(named)])
    target = f"{source} {config.get('username') or config.get('mailbox') or ''}".strip()
    if source in ("imap", "pop3"):
        target = f"{source} {config.get('username') or '?'}@{config.get('host') or '?'}"

    def check(built: Any, probe: Probe) -> None:
        verify = getattr(built, "verify", None)
        if callable(verify):
            verify(probe)
        else:
            probe.run("check", lambda: f"mail from {source} is pushed to the intake: no poll")

    if source == "demo":
        return ConnectionReport("mailbox", "demo", True, None, "the demo mailbox is built in")
    return _run("mailbox", target, secrets, lambda: build_source(config, settings), check)


def check_sender(settings: Settings) -> ConnectionReport:
    """Try the sender ``MAILROOM_EMAIL_SENDER`` names, without sending: SMTP connects, says
    EHLO, negotiates TLS and logs in; the HTTP senders make an authenticated read."""
    from engine.adapters.email import build_sender

    kind = settings.email_sender
    if kind == "demo":
        from providers.email.demo_outbox import DemoOutbox

        def build() -> Any:
            return DemoOutbox(settings.demo_outbox_dir)

        target = "demo outbox"
    else:

        def build() -> Any:
            missing = [
                f"MAILROOM_{name.upper()}"
                for name in SENDER_NEEDS.get(kind, ())
                if not getattr(settings, name)
            ]
            if missing:
                raise CheckFailed("config", f"{' and '.join(missing)} must be set for {kind}")
            return build_sender(settings)

        target = kind
        if kind == "smtp":
            target = f"smtp {settings.smtp_host or '?'}:{settings.smtp_port}"
    return _run(
        "sender", target, settings_secrets(settings), build, lambda sender, p: sender.verify(p)
    )


def check_ai(
    settings: Settings, provider: str, model: str, local: Callable[[], AIProvider]
) -> ConnectionReport:
    """Classify one short made-up email with ``provider`` alone (no fallback, so a failure
    is seen): ``local`` or a remote provider, with ``model`` instead of its configured one."""
    from engine.adapters import remote_ai_provider

    target = f"{provider} {model}".strip()
    url = _ai_url(settings, provider)

    def build() -> AIProvider:
        if provider == "local":
            return local()
        problems = settings.ai_provider_problems(provider)
        if problems:
            raise CheckFailed("config", "; ".join(problems))
        return remote_ai_provider(provider, settings, model)

    def check(ai: AIProvider, probe: Probe) -> None:
        if url is not None:
            probe.url(url, settings.ai_timeout_seconds)
        probe.run("classify", lambda: _classify(ai))

    return _run("ai", target, settings_secrets(settings), build, check)


def _ai_url(settings: Settings, provider: str) -> str | None:
    configured = {
        "openai": settings.openai_base_url,
        "azure": settings.azure_openai_endpoint,
        "compatible": settings.compatible_base_url,
        "anthropic": settings.anthropic_base_url,
    }
    if provider not in configured:
        return None
    return configured[provider] or DEFAULT_AI_URLS.get(provider)


def _classify(ai: AIProvider) -> str:
    try:
        found = ai.classify(PROBE_EMAIL, list(SUPPORT_TAXONOMY))
    except AuthenticationError as exc:
        raise CheckFailed("auth", describe(exc)) from exc
    except InvalidModelOutputError as exc:
        raise CheckFailed("response", describe(exc)) from exc
    except ProviderError as exc:
        raise CheckFailed("classify", describe(exc)) from exc
    return (
        f"classified a test email as {found.category} ({found.category_confidence:.2f})"
        f" with {found.provider} {found.model}".rstrip()
    )


__all__ = ["ConnectionReport", "check_ai", "check_mailbox", "check_sender", "scrub"]
