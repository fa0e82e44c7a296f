"""Environment profiles (``MAILROOM_ENV``): what production refuses to start with.

``development`` (the default) allows everything; ``staging`` logs each problem as a warning;
``production`` refuses to start while any remains: customer data stored in clear (no encryption
key), the demo sender or notifier, an active workflow reading the demo source, or the default
accounts setup creates (one per role, named after it). Each problem names the setting or the
thing to change.
"""

from __future__ import annotations

import logging

from engine.accounts import DEFAULT_ACCOUNTS, AccountBook
from engine.encryption import GENERATE_KEY_COMMAND
from engine.models import WorkflowStatus
from engine.settings import Settings, SettingsError
from engine.store.base import Store

logger = logging.getLogger(__name__)
_TRIGGER = "email_trigger"


class ProductionRefused(SettingsError):
    """``MAILROOM_ENV=production`` with settings or data only fit for a demo; the message lists
    each problem and what to change."""


def settings_problems(settings: Settings) -> list[str]:
    """What the settings alone make unfit for production."""
    problems = []
    if settings.encryption_key is None:
        problems.append(
            "MAILROOM_ENCRYPTION_KEY is unset, so customer data would be stored in clear: set it "
            f"to a new key ({GENERATE_KEY_COMMAND})"
        )
    if settings.email_sender == "demo":
        problems.append(
            "MAILROOM_EMAIL_SENDER=demo writes replies to a folder instead of sending them: set it "
            "to smtp, sendgrid, brevo or gmail"
        )
    if settings.notifier == "demo":
        problems.append(
            "MAILROOM_NOTIFIER=demo only records notifications: set it to slack, slack_webhook, "
            "webhook or email"
        )
    return problems


def store_problems(store: Store) -> list[str]:
    """Active workflows whose email trigger reads the demo source."""
    problems = []
    for workflow in store.list_workflows(WorkflowStatus.ACTIVE):
        for node in workflow.visual_data.nodes:
            if node.node_type_id == _TRIGGER and node.config.get("source", "demo") == "demo":
                problems.append(
                    f"workflow {workflow.workflow_id!r} is active and its trigger "
                    f"{node.node_id!r} reads the demo source: set the trigger's source to a real "
                    "mailbox (Workflow page) or turn the workflow off"
                )
    return problems


def account_problems(book: AccountBook) -> list[str]:
    """Default accounts (with a password) still in the accounts file, or no accounts at all."""
    if not book.exists():
        return [
            f"there is no accounts file ({book.path}), and production does not create the "
            "default ones: add named accounts with `python -m engine users add NAME --role ROLE`"
        ]
    accounts = book.accounts()
    return [
        f"account {name!r} is a default account made by setup: add named accounts "
        f"(`python -m engine users add NAME --role ROLE`), then `python -m engine users remove "
        f"{name}`"
        for name, _ in DEFAULT_ACCOUNTS
        if name in accounts and accounts[name].has_password
    ]


def check_profile(settings: Settings, store: Store) -> list[str]:
    """Check the profile ``MAILROOM_ENV`` names: raise :class:`ProductionRefused` in
    production if anything is unfit, log warnings in staging; return the problems found."""
    if settings.env == "development":
        return []
    problems = [
        *settings_problems(settings),
        *store_problems(store),
        *account_problems(AccountBook(settings.accounts_path)),
    ]
    if problems and settings.env == "production":
        raise ProductionRefused(
            "MAILROOM_ENV=production refuses to start:\n  " + "\n  ".join(problems)
        )
    for problem in problems:
        logger.warning("MAILROOM_ENV=staging: %s", problem)
    return problems
