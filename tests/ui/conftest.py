"""Factories for the page tests: the app's settings on the test's store, the real engine
to produce emails, executions and approvals, and AppTest runners for each page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from engine.adapters import ProviderSet
from engine.service import MailroomService
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
# The first run of a page may load the local model.
PAGE_TIMEOUT = 30.0


@pytest.fixture(autouse=True)
def _fresh_service() -> Iterator[None]:
    """``get_service`` is cached for the process: each test must open its own store."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def app_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings, models_dir: Path) -> Settings:
    """Point the app (which reads ``Settings()`` from the environment) at the test's store."""
    monkeypatch.setenv("MAILROOM_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MAILROOM_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("MAILROOM_DEFAULT_USER", "alice")
    monkeypatch.setenv("MAILROOM_DEFAULT_ROLE", "admin")
    assert Settings().database_file == settings.database_file
    return settings


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
def open_page(app_settings: Settings) -> Callable[[str], AppTest]:
    """Run ``pages/<name>.py`` (or ``app.py`` for "app") on its own, as AppTest does."""

    def open_(name: str) -> AppTest:
        path = ROOT / "app.py" if name == "app" else ROOT / "pages" / f"{name}.py"
        at = AppTest.from_file(str(path), default_timeout=PAGE_TIMEOUT)
        return at.run()

    return open_
