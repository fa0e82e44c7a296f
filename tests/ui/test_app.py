"""The entry point: navigation, the acting user and the no-worker warning."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from engine.worker import Worker


def test_app_renders_the_first_page_and_warns_without_a_worker(
    open_page: Callable[[str], AppTest],
) -> None:
    at = open_page("app")
    assert not at.exception
    assert at.title[0].value == "Workflow"
    assert any("alice" in caption.value for caption in at.sidebar.caption)
    assert any("No engine worker is running" in w.value for w in at.sidebar.warning)


def test_no_warning_while_a_worker_is_alive(
    open_page: Callable[[str], AppTest], worker: Worker
) -> None:
    worker.heartbeat()
    at = open_page("app")
    assert not at.exception
    assert not at.sidebar.warning


def test_every_page_is_reachable_from_the_app(open_page: Callable[[str], AppTest]) -> None:
    at = open_page("app")
    for page, title in [
        ("pages/executions.py", "Live executions"),
        ("pages/approvals.py", "Approvals"),
        ("pages/metrics.py", "Metrics"),
        ("pages/workflow.py", "Workflow"),
    ]:
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title[0].value == title


def test_a_bad_setting_stops_the_app_with_its_name(
    monkeypatch: pytest.MonkeyPatch, open_page: Callable[[str], AppTest]
) -> None:
    monkeypatch.setenv("MAILROOM_DEFAULT_ROLE", "boss")
    at = open_page("app")
    assert not at.exception
    assert "MAILROOM_DEFAULT_ROLE" in at.error[0].value
