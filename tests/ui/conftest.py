"""Factories for the page tests: the app's settings on the test's store, the real engine
to produce emails, executions and approvals, and AppTest runners for each page."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from engine.accounts import AccountBook
from engine.adapters import ProviderSet
from engine.roles import Role
from engine.service import MailroomService
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from ui.auth import SESSION_USER

ROOT = Path(__file__).resolve().parents[2]
# The first run of a page may load the local model.
PAGE_TIMEOUT = 30.0


@pytest.fixture(autouse=True)
def _fresh_service() -> Iterator[None]:
    """``get_service`` is cached for the process: each test must open its own store. AppTest
    leaves the page as the module ``__main__``, which a spawned process would run again."""
    main = sys.modules["__main__"]
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()
    sys.modules["__main__"] = main


@pytest.fixture
def app_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings, models_dir: Path) -> Settings:
    """Point the app (which reads ``Settings()`` from the environment) at the test's store."""
    monkeypatch.setenv("MAILROOM_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MAILROOM_MODELS_DIR", str(models_dir))
    assert Settings().database_file == settings.database_file
    return settings


#: The test accounts, one per role; each password is ``PASSWORDS[name]``.
USERS = {"alice": Role.ADMIN, "maria": Role.MANAGER, "bea": Role.AGENT, "ann": Role.ANALYST}
PASSWORDS = {name: f"{name}-secret-password" for name in USERS}


@pytest.fixture
def accounts(app_settings: Settings) -> AccountBook:
    """The accounts file the app reads, with one account per role (cheap bcrypt rounds)."""
    book = AccountBook(app_settings.accounts_path, rounds=4)
    for name, role in USERS.items():
        book.add(name, role, PASSWORDS[name])
    return book


@pytest.fixture
def worker(store: Store, providers: ProviderSet, app_settings: Settings) -> Worker:
    """The real engine on the test's store, with the demo mailbox and the local model."""
    return Worker(store, providers, app_settings)


@pytest.fixture
def service(store: Store) -> MailroomService:
    return MailroomService(store)


@pytest.fixture
def waiting_for_approval(worker: Worker, service: MailroomService) -> Worker:
    """Two demo emails classified and drafted, their executions waiting on an agent."""
    assert worker.poll_triggers() == 2
    assert worker.run_pending() == 2
    errors = [
        f"{run.node_id}: {run.error}"
        for execution in service.store.list_executions()
        for run in execution.node_executions
        if run.error
    ]
    assert service.status_summary()["approvals_pending"] == 2, errors
    return worker


@pytest.fixture
def open_page(accounts: AccountBook) -> Callable[..., AppTest]:
    """Run ``pages/<name>.py`` (or ``app.py`` for "app") on its own, as AppTest does, signed in
    as ``user`` (the admin alice unless told; None: nobody signed in)."""

    def open_(name: str, user: str | None = "alice") -> AppTest:
        path = ROOT / "app.py" if name == "app" else ROOT / "pages" / f"{name}.py"
        at = AppTest.from_file(str(path), default_timeout=PAGE_TIMEOUT)
        if user is not None:
            at.session_state[SESSION_USER] = user
        return at.run()

    return open_
