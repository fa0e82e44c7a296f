"""The entry point: navigation, the acting user and the no-worker warning."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from engine.service import MailroomService
from engine.sign_in_guard import MAX_FAILURES
from engine.worker import Worker
from tests.ui.conftest import PASSWORDS, USERS
from ui.navigation import pages_for


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign-in-name").input(name)
    at.text_input(key="sign-in-password").input(password)
    return at.button[0].click().run()


@pytest.mark.parametrize(
    ("name", "home", "pages"),
    [
        ("alice", "Workflow", ["Workflow", "Live executions", "Approvals", "Metrics", "Settings"]),
        ("maria", "Workflow", ["Workflow", "Live executions", "Approvals", "Metrics"]),
        ("bea", "Approvals", ["Approvals", "Live executions"]),
        ("ann", "Metrics", ["Metrics"]),
    ],
)
def test_signing_in_shows_each_role_its_pages(
    open_page: Callable[..., AppTest],
    service: MailroomService,
    name: str,
    home: str,
    pages: list[str],
) -> None:
    at = open_page("app", user=None)
    assert not at.exception
    assert at.title[0].value == "Sign in to Mailroom"
    at = _sign_in(at, name, PASSWORDS[name])
    assert not at.exception
    assert at.title[0].value == home
    assert [spec.title for spec in pages_for(USERS[name])] == pages
    entry = service.store.list_audit()[0]
    assert (entry.actor, entry.action, entry.after) == (name, "sign_in", {"method": "password"})


def test_a_wrong_password_does_not_sign_in(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = _sign_in(open_page("app", user=None), "alice", "not-her-password")
    assert not at.exception
    assert at.title[0].value == "Sign in to Mailroom"
    assert "Wrong name or password." in at.error[0].value
    at = _sign_in(at, "nobody", PASSWORDS["alice"])
    assert at.title[0].value == "Sign in to Mailroom"
    # Each failure is audited with the name tried and why, never the password.
    entries = service.store.list_audit()
    assert sorted((e.action, e.actor) for e in entries) == [
        ("sign_in_failed", "alice"),
        ("sign_in_failed", "nobody"),
    ]
    assert all(PASSWORDS["alice"] not in e.model_dump_json() for e in entries)


def test_repeated_failures_lock_the_name_and_the_form_says_until_when(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("app", user=None)
    for _ in range(MAX_FAILURES - 1):
        at = _sign_in(at, "bea", "not-her-password")
        assert "Wrong name or password." in at.error[0].value
    at = _sign_in(at, "bea", "not-her-password")
    assert "Too many failed sign-ins" in at.error[0].value
    # Locked: the right password is refused too, with the time to try again.
    at = _sign_in(at, "bea", PASSWORDS["bea"])
    assert not at.exception
    assert at.title[0].value == "Sign in to Mailroom"
    message = at.error[0].value
    assert "Too many failed sign-ins" in message and "Try again after" in message
    assert "(in 15 minutes)" in message or "(in 14 minutes)" in message
    # Another name is not affected.
    at = _sign_in(at, "maria", PASSWORDS["maria"])
    assert at.title[0].value == "Workflow"


def test_signing_out_returns_to_the_sign_in_form(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("app", user="maria")
    at.sidebar.button(key="sign-out").click().run()
    assert not at.exception
    assert at.title[0].value == "Sign in to Mailroom"
    assert service.store.list_audit()[0].action == "sign_out"


@pytest.mark.parametrize(
    ("page", "user", "allowed"),
    [
        ("workflow", "bea", False),
        ("workflow", "ann", False),
        ("settings", "maria", False),
        ("metrics", "bea", False),
        ("approvals", "ann", False),
        ("executions", "ann", False),
        ("settings", "alice", True),
        ("metrics", "ann", True),
        ("approvals", "bea", True),
    ],
)
def test_each_page_refuses_roles_that_do_not_use_it(
    open_page: Callable[..., AppTest], page: str, user: str, allowed: bool
) -> None:
    at = open_page(page, user=user)
    assert not at.exception
    refused = any("page is not part of the" in error.value for error in at.error)
    assert refused is not allowed


def test_a_page_opened_without_signing_in_shows_the_sign_in_form(
    open_page: Callable[..., AppTest],
) -> None:
    at = open_page("approvals", user=None)
    assert not at.exception
    assert at.title[0].value == "Sign in to Mailroom"


def test_app_renders_the_first_page_and_warns_without_a_worker(
    open_page: Callable[..., AppTest],
) -> None:
    at = open_page("app")
    assert not at.exception
    assert at.title[0].value == "Workflow"
    assert any("Signed in as **alice**" in caption.value for caption in at.sidebar.caption)
    assert any("No engine worker is running" in w.value for w in at.sidebar.warning)


def test_no_warning_while_a_worker_is_alive(
    open_page: Callable[..., AppTest], worker: Worker
) -> None:
    worker.heartbeat()
    at = open_page("app")
    assert not at.exception
    assert not at.sidebar.warning


def test_every_page_is_reachable_from_the_app(open_page: Callable[..., AppTest]) -> None:
    at = open_page("app")
    for page, title in [
        ("pages/executions.py", "Live executions"),
        ("pages/approvals.py", "Approvals"),
        ("pages/metrics.py", "Metrics"),
        ("pages/workflow.py", "Workflow"),
        ("pages/settings.py", "Settings"),
    ]:
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title[0].value == title


def test_a_bad_setting_stops_the_app_with_its_name(
    monkeypatch: pytest.MonkeyPatch, open_page: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("MAILROOM_OIDC_DEFAULT_ROLE", "boss")
    at = open_page("app")
    assert not at.exception
    assert "MAILROOM_OIDC_DEFAULT_ROLE" in at.error[0].value


def test_the_app_in_production_with_demo_settings_says_what_to_change(
    open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILROOM_ENV", "production")
    at = open_page("app", user=None)
    assert not at.exception
    message = at.error[0].value
    assert message.startswith("MAILROOM_ENV=production refuses to start:")
    assert "MAILROOM_ENCRYPTION_KEY is unset" in message
    assert "account 'alice'" not in message  # named accounts are fine
    assert not at.text_input  # no sign-in form
