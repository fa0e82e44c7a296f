"""An email trigger names the variable its IMAP or POP3 password is in, and the worker sends that
variable's value to the host the trigger names: only mailbox-password variables may be named,
so a manager cannot have an API key or the session secret sent to a server of their choice."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from engine.adapters.email import build_source
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.settings import Settings
from providers.email.pop3 import Pop3Source
from providers.errors import ProviderConfigError


@pytest.mark.parametrize("source", ["imap", "pop3"])
@pytest.mark.parametrize(
    "name",
    [
        "MAILROOM_OPENAI_API_KEY",
        "MAILROOM_SESSION_SECRET",
        "AWS_SECRET_ACCESS_KEY",
        "HOME",
        "MAILROOM_POP3_USER",
        "POP3_PASSWORD",
    ],
)
def test_a_trigger_naming_another_variable_is_refused(source: str, name: str) -> None:
    with pytest.raises(ValidationError, match="password_env"):
        EmailTriggerConfig(source=source, host="mail.example", password_env=name)


@pytest.mark.parametrize(
    "name",
    [
        "MAILROOM_IMAP_PASSWORD_BILLING",
        "MAILROOM_EU_IMAP_PASSWORD",
        "MAILROOM_BILLING_POP3_PASSWORD",
        "MAILROOM_POP3_PASSWORD",
    ],
)
def test_mailbox_password_variables_are_accepted(name: str) -> None:
    assert EmailTriggerConfig(source="imap", password_env=name).password_env == name
    assert EmailTriggerConfig(source="pop3", password_env=name).password_env == name


def test_a_pop3_trigger_without_a_variable_reads_mailroom_pop3_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = {"source": "pop3", "host": "pop.example", "username": "support"}
    monkeypatch.delenv("MAILROOM_POP3_PASSWORD", raising=False)
    monkeypatch.setenv("MAILROOM_IMAP_PASSWORD", "the-imap-one")
    with pytest.raises(ProviderConfigError, match="MAILROOM_POP3_PASSWORD is not set"):
        build_source(config, Settings())
    monkeypatch.setenv("MAILROOM_POP3_PASSWORD", "the-pop3-one")
    source = build_source(config, Settings())
    assert isinstance(source, Pop3Source)
    assert (source.port, source._password) == (995, "the-pop3-one")


@pytest.mark.parametrize("source", ["imap", "pop3"])
def test_the_sent_folders_password_is_not_a_mailbox_password(
    monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    # It matches the name pattern, but it is another of Mailroom's secrets.
    monkeypatch.setenv("MAILROOM_SMTP_SENT_IMAP_PASSWORD", "sent-folder-secret")
    config = {
        "source": source,
        "host": "attacker.example",
        "username": "x",
        "password_env": "MAILROOM_SMTP_SENT_IMAP_PASSWORD",
    }
    with pytest.raises(ProviderConfigError, match="another Mailroom secret"):
        build_source(config, Settings())
