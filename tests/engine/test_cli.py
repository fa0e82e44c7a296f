"""``python -m engine`` as a user runs it, in a subprocess on a fresh data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.accounts import AccountBook
from engine.settings import Settings
from engine.store.factory import open_store

ROOT = Path(__file__).resolve().parents[2]


def _engine(
    *args: str, data_dir: Path, models_dir: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MAILROOM_DATA_DIR": str(data_dir),
        "MAILROOM_MODELS_DIR": str(models_dir),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_setup_demo_and_status(tmp_path: Path, models_dir: Path) -> None:
    data = tmp_path / "data"
    first = _engine("setup", data_dir=data, models_dir=models_dir)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout.splitlines()[-1]) == {
        "setup": "ok",
        "default_workflow_created": True,
        "default_accounts_created": True,
    }
    # One account per role, each password printed once and stored only as a bcrypt hash.
    passwords = dict(line.split() for line in first.stderr.splitlines() if line.startswith("  "))
    assert set(passwords) == {"admin", "manager", "agent", "analyst"}
    book = AccountBook(data / "accounts.toml")
    stored = (data / "accounts.toml").read_text()
    for name, password in passwords.items():
        assert password not in stored
        account = book.authenticate(name, password)
        assert account is not None and account.role.value == name
    assert (data / "accounts.toml").stat().st_mode & 0o077 == 0
    again = _engine("setup", "--skip-model", data_dir=data, models_dir=models_dir)
    assert json.loads(again.stdout.splitlines()[-1])["default_workflow_created"] is False
    assert json.loads(again.stdout.splitlines()[-1])["default_accounts_created"] is False
    assert "passwords" not in again.stderr

    demo = _engine("demo", "--emails", "25", data_dir=data, models_dir=models_dir)
    assert demo.returncode == 0, demo.stderr
    assert json.loads(demo.stdout.splitlines()[-1])["executions_created"] == 25

    status = _engine("status", data_dir=data, models_dir=models_dir)
    counts = json.loads(status.stdout.splitlines()[-1])
    assert counts["emails"] == 25
    assert counts["executions"]["pending"] == 25
    assert counts["replies_sent"] == 0 and counts["approvals_pending"] == 0


def test_a_bad_setting_is_refused_with_its_name(tmp_path: Path, models_dir: Path) -> None:
    result = _engine(
        "status", data_dir=tmp_path, models_dir=models_dir, MAILROOM_WORKER_LEASE_SECONDS="soon"
    )
    assert result.returncode == 2
    assert "MAILROOM_WORKER_LEASE_SECONDS: Input should be a valid number" in result.stderr
    assert "'soon'" in result.stderr


def test_a_bad_secret_is_refused_without_showing_it(tmp_path: Path, models_dir: Path) -> None:
    result = _engine(
        "status", data_dir=tmp_path, models_dir=models_dir, MONGODB_URI="postgres://u:hunter2@db"
    )
    assert result.returncode == 2
    assert "MONGODB_URI: Value error, must start with mongodb://" in result.stderr
    assert "hunter2" not in result.stderr


def test_demo_refuses_bad_arguments_with_a_message(tmp_path: Path, models_dir: Path) -> None:
    negative = _engine("demo", "--emails", "-5", data_dir=tmp_path, models_dir=models_dir)
    assert negative.returncode == 2
    assert "--emails: must be at least 1, got -5" in negative.stderr
    unknown = _engine(
        "demo", "--emails", "3", "--workflow", "nope", data_dir=tmp_path, models_dir=models_dir
    )
    assert unknown.returncode == 1
    assert "demo failed: workflow 'nope' not found" in unknown.stderr


def test_users_commands_manage_accounts_and_are_audited(tmp_path: Path, models_dir: Path) -> None:
    data = tmp_path / "data"
    added = _engine("users", "add", "bea", "--role", "agent", data_dir=data, models_dir=models_dir)
    assert added.returncode == 0, added.stderr
    password = added.stdout.strip().rsplit(" ", 1)[-1]
    book = AccountBook(data / "accounts.toml")
    assert book.authenticate("bea", password) is not None
    assert password not in (data / "accounts.toml").read_text()

    twice = _engine("users", "add", "bea", "--role", "agent", data_dir=data, models_dir=models_dir)
    assert twice.returncode == 1 and "already exists" in twice.stderr

    sso = _engine(
        "users",
        "add",
        "cy",
        "--role",
        "analyst",
        "--email",
        "cy@example.com",
        "--sso-only",
        data_dir=data,
        models_dir=models_dir,
    )
    assert sso.returncode == 0, sso.stderr
    role = _engine("users", "set-role", "bea", "manager", data_dir=data, models_dir=models_dir)
    assert role.returncode == 0, role.stderr
    listed = _engine("users", "list", data_dir=data, models_dir=models_dir).stdout
    assert "bea\tmanager\tpassword" in listed
    assert "cy\tanalyst\tidentity provider  cy@example.com" in listed
    reset = _engine("users", "reset-password", "bea", data_dir=data, models_dir=models_dir)
    new_password = reset.stdout.strip().rsplit(" ", 1)[-1]
    assert book.authenticate("bea", password) is None
    assert book.authenticate("bea", new_password) is not None
    removed = _engine("users", "remove", "cy", data_dir=data, models_dir=models_dir)
    assert removed.returncode == 0 and book.get("cy") is None

    store = open_store(Settings(data_dir=data))
    try:
        actions = [entry.action for entry in store.list_audit()]
    finally:
        store.close()
    assert actions == [
        "account_removed",
        "account_password_reset",
        "account_role_changed",
        "account_added",
        "account_added",
    ]
