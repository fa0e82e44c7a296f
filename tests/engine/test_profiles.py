"""MAILROOM_ENV: production refuses to start with demo settings, naming each one to change."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from engine.accounts import AccountBook, ensure_default_accounts
from engine.cli import main
from engine.encryption import new_key
from engine.models import WorkflowStatus
from engine.profiles import ProductionRefused
from engine.roles import Role
from engine.seed import DEFAULT_WORKFLOW_ID, seed
from engine.service import SettingsError, compose
from engine.settings import Settings
from engine.store.factory import open_store


def _ready(tmp_path: Path, **changes: object) -> Settings:
    """Production settings with nothing a demo would use."""
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "env": "production",
        "encryption_key": new_key(),
        "email_sender": "smtp",
        "smtp_host": "mail.example.com",
        "notifier": "slack_webhook",
        "slack_webhook_url": "https://hooks.example.com/T0/B0/x",
    }
    values.update(changes)
    return Settings.model_validate(values)


def _named_accounts_and_workflow_off(settings: Settings) -> None:
    book = AccountBook(settings.accounts_path, rounds=4)
    book.add("dora", Role.ADMIN, "dora-secret-password")
    store = open_store(settings)
    try:
        store.setup()
        seed(store)
        store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.OFF)
    finally:
        store.close()


def test_production_names_every_setting_to_change(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", env="production")
    with pytest.raises(ProductionRefused) as refused:
        compose(settings, first_accounts=True)
    message = str(refused.value)
    assert message.startswith("MAILROOM_ENV=production refuses to start:")
    for needed in (
        "MAILROOM_ENCRYPTION_KEY is unset",
        "MAILROOM_EMAIL_SENDER=demo",
        "MAILROOM_NOTIFIER=demo",
        f"workflow {DEFAULT_WORKFLOW_ID!r} is active and its trigger 'trigger' reads the demo",
        "there is no accounts file",
    ):
        assert needed in message
    assert len(message.splitlines()) == 6  # the heading and one line per problem
    # Production never makes the default accounts, not even with first_accounts.
    assert not settings.accounts_path.exists()


def test_production_starts_when_nothing_of_the_demo_is_left(tmp_path: Path) -> None:
    settings = _ready(tmp_path)
    _named_accounts_and_workflow_off(settings)
    mailroom = compose(settings)
    mailroom.close()


def test_default_accounts_are_refused_by_name(tmp_path: Path) -> None:
    settings = _ready(tmp_path)
    _named_accounts_and_workflow_off(settings)
    settings.accounts_path.unlink()
    ensure_default_accounts(AccountBook(settings.accounts_path, rounds=4))
    with pytest.raises(ProductionRefused) as refused:
        compose(settings)
    lines = str(refused.value).splitlines()[1:]
    assert [line.split("'")[1] for line in lines] == ["admin", "manager", "agent", "analyst"]
    assert "`python -m engine users remove admin`" in lines[0]


def test_a_workflow_on_a_real_mailbox_is_not_refused(tmp_path: Path) -> None:
    settings = _ready(tmp_path)
    _named_accounts_and_workflow_off(settings)
    store = open_store(settings)
    try:
        workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
        nodes = [
            node.model_copy(update={"config": {**node.config, "source": "imap"}})
            if node.node_type_id == "email_trigger"
            else node
            for node in workflow.visual_data.nodes
        ]
        visual = workflow.visual_data.model_copy(update={"nodes": nodes})
        store.save_workflow(
            workflow.model_copy(update={"visual_data": visual, "status": WorkflowStatus.ACTIVE})
        )
    finally:
        store.close()
    compose(settings).close()


def test_staging_warns_and_starts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(data_dir=tmp_path / "data", env="staging")
    with caplog.at_level(logging.WARNING, logger="engine.profiles"):
        compose(settings).close()
    warned = [r.getMessage() for r in caplog.records if r.name == "engine.profiles"]
    assert any("MAILROOM_ENCRYPTION_KEY is unset" in line for line in warned)


def test_development_starts_with_the_demo(tmp_path: Path) -> None:
    compose(Settings(data_dir=tmp_path / "data")).close()


def test_a_command_that_starts_work_exits_with_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAILROOM_SECRETS_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MAILROOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MAILROOM_ENV", "production")
    assert main(["demo", "--emails", "1"]) == 2
    assert "MAILROOM_EMAIL_SENDER=demo" in capsys.readouterr().err
    # The commands that fix it still run: `users` lists (none yet) instead of refusing.
    assert main(["users", "list"]) == 0


def test_an_unknown_profile_is_a_settings_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILROOM_SECRETS_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MAILROOM_ENV", "prod")
    from engine.settings import load_settings

    with pytest.raises(SettingsError, match="MAILROOM_ENV"):
        load_settings()
