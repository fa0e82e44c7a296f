"""What the admin's Settings page reports: the database, AI providers, mailboxes and workers,
each with its health, and which secrets are set — never a secret's value."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, get_args

from pydantic import AliasChoices, SecretStr

from engine.models import WorkflowStatus, utcnow
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.settings import SECRETS_FILE, Settings
from engine.store.base import Store, StoreError
from providers.ai.model_files import MODEL_FILENAME, SHIPPED_MODEL_PATH


#: Secrets Mailroom reads (now or with the providers of later issues): shown set or missing.
def known_secrets() -> list[tuple[str, str]]:
    """``(environment variable, what it is for)`` of every secret setting, read from the
    settings model itself, so the names are the ones the engine reads."""
    prefix = Settings.model_config.get("env_prefix", "")
    secrets = []
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if annotation is not SecretStr and SecretStr not in get_args(annotation):
            continue
        alias = field.validation_alias
        if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
            variable = alias.choices[0]
        elif isinstance(alias, str):
            variable = alias
        else:
            variable = f"{prefix}{name}".upper()
        secrets.append((variable, (field.description or name.replace("_", " ")).rstrip(".")))
    return secrets


#: Keys of ``[auth]`` in ``.streamlit/secrets.toml`` that ``st.login`` needs.
AUTH_SECRETS = ("client_secret", "cookie_secret")


class Health(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Check:
    """One component and how it is: what it is, its health and a sentence why."""

    component: str
    name: str
    health: Health
    detail: str


def _secrets_file() -> dict[str, Any]:
    path = Path(os.environ.get("MAILROOM_SECRETS_FILE", SECRETS_FILE))
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        return {}


def secrets_presence() -> list[tuple[str, str, bool]]:
    """``(name, what it is for, set?)`` for each known secret, from the environment or the
    secrets file. Only presence is computed; values are never returned."""
    stored = _secrets_file()
    rows = [
        (name, purpose, bool(os.environ.get(name) or stored.get(name)))
        for name, purpose in known_secrets()
    ]
    auth = stored.get("auth")
    auth = auth if isinstance(auth, dict) else {}
    for key in AUTH_SECRETS:
        rows.append((f"[auth] {key}", "sign-in through the identity provider", bool(auth.get(key))))
    return rows


def database_check(store: Store, settings: Settings) -> Check:
    if settings.mongodb_uri is not None:
        name = f"MongoDB, database {settings.mongodb_database!r}"
    else:
        name = f"SQLite {settings.database_file}"
    try:
        emails = store.count_emails()
        executions = sum(store.count_executions_by_status().values())
    except StoreError as exc:  # the store's own messages name no password or URI
        return Check("database", name, Health.ERROR, f"cannot read: {exc}")
    except OSError as exc:
        return Check("database", name, Health.ERROR, f"cannot read: {type(exc).__name__}")
    return Check("database", name, Health.OK, f"{emails} emails, {executions} executions")


def ai_checks(settings: Settings) -> list[Check]:
    model = settings.model_store_dir / MODEL_FILENAME
    if model.is_file():
        return [Check("ai", "local", Health.OK, f"model trained here ({model.name})")]
    if SHIPPED_MODEL_PATH.is_file():
        return [Check("ai", "local", Health.OK, f"shipped model ({SHIPPED_MODEL_PATH.name})")]
    return [
        Check(
            "ai",
            "local",
            Health.WARNING,
            "model not trained yet: the first email trains it (or run `python -m engine setup`)",
        )
    ]


def mailbox_checks(store: Store) -> list[Check]:
    checks = []
    for workflow in store.list_workflows():
        for node in workflow.visual_data.nodes:
            if node.node_type_id != "email_trigger":
                continue
            config = EmailTriggerConfig.model_validate(node.config)
            active = workflow.status == WorkflowStatus.ACTIVE
            checks.append(
                Check(
                    "mailbox",
                    f"{config.mailbox} ({config.source})",
                    Health.OK if active else Health.WARNING,
                    f"polled every {config.check_interval_seconds:g} s by {workflow.name!r}"
                    if active
                    else f"not polled: {workflow.name!r} is switched off",
                )
            )
    return checks


def worker_checks(store: Store, within_seconds: float = 30.0) -> list[Check]:
    alive = store.list_workers(alive_since=utcnow() - timedelta(seconds=within_seconds))
    if not alive:
        return [Check("worker", "engine workers", Health.ERROR, "none alive: nothing is processed")]
    return [
        Check("worker", f"{w.hostname} pid {w.pid}", Health.OK, f"worker {w.worker_id}")
        for w in alive
    ]


def system_health(store: Store, settings: Settings) -> list[Check]:
    """Every check, database first. While the database cannot be read, the workers and
    mailboxes (which are read from it) are not listed: the outage is the one thing shown."""
    database = database_check(store, settings)
    if database.health == Health.ERROR:
        return [database, *ai_checks(settings)]
    return [database, *worker_checks(store), *ai_checks(settings), *mailbox_checks(store)]
