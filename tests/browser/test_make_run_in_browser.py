"""What new users do after ``make run``, in Debian's chromium driven by Playwright.

Runs ``python -m engine setup`` (which creates one account per role and prints their passwords
once) and ``scripts/run.sh`` (the app and one engine worker, as ``make run`` does) on a fresh
data folder, then signs in as each person in turn:

- an agent edits and approves a draft, and sees the reply sent;
- a manager switches the workflow off and on and edits a node setting;
- an analyst changes the date range and the charts change.

Finally everything stops with Ctrl-C (SIGINT to the process group). Screenshots of every page
are saved under ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from engine.models import WorkflowStatus
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.factory import open_store
from providers.ai.local import LocalAIProvider
from tests.browser.streamlit_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SCREENSHOTS,
    UI_TIMEOUT,
    app_env,
    engine_setup,
    free_port,
    server_process,
    wait_healthy,
    wait_until,
)


@dataclass
class RunningApp:
    base: str
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    passwords: dict[str, str]

    @property
    def data_dir(self) -> Path:
        return Path(self.env["MAILROOM_DATA_DIR"])


def _status(env: dict[str, str]) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-m", "engine", "status"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, int] = json.loads(out.stdout.splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, local_ai: LocalAIProvider, models_dir: Path
) -> Iterator[RunningApp]:
    tmp_path = tmp_path_factory.mktemp("make-run")
    port = free_port()
    env = app_env(tmp_path / "data", models_dir, MAILROOM_PORT=str(port))
    passwords = engine_setup(env, skip_model=False)
    assert set(passwords) == {"admin", "manager", "agent", "analyst"}, passwords
    with server_process(["bash", "scripts/run.sh"], env, tmp_path / "run.log") as proc:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        yield RunningApp(base, env, proc, passwords)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
        assert proc.wait(timeout=30) == 0 or proc.returncode in (-signal.SIGINT, 130)
        assert _status(env)["workers_alive"] == 0  # the worker signed off


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make test`, which installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _sign_in(browser: Browser, app: RunningApp, name: str) -> Page:
    # Tall, so each screenshot holds the whole page (Streamlit scrolls inside its main block).
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(app.base)
    expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Password").fill(app.passwords[name])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible(timeout=UI_TIMEOUT)
    return page


def _open(page: Page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state("networkidle")


def _shot(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def _choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit select box labelled ``label``.

    A rerun that lands while the list is open redraws the box and closes the list, so the
    list is opened again until the option can be clicked.
    """
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(5):
        page.wait_for_load_state("networkidle")
        page.get_by_label(label, exact=True).click()
        try:
            choice.click(timeout=5_000)
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            continue
        return
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def test_an_agent_edits_and_approves_a_draft_and_sees_it_sent(
    app: RunningApp, browser: Browser
) -> None:
    wait_until(lambda: _status(app.env)["approvals_pending"] >= 1, 60, "drafts to wait")
    page = _sign_in(browser, app, "agent")
    # An agent's home is the approvals queue; managers' pages are not offered.
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_role("link", name="Workflow")).to_have_count(0)
    approve = page.get_by_role("button", name="Approve and send")
    expect(approve).to_be_visible(timeout=UI_TIMEOUT)
    body = page.get_by_role("textbox", name="Reply")
    body.fill(body.input_value() + "\n\nWe are on it. — Alice")
    _shot(page, "approvals")
    approve.click()
    expect(page.get_by_text("queued to send").first).to_be_visible(timeout=UI_TIMEOUT)

    wait_until(lambda: _status(app.env)["replies_sent"] == 1, 60, "the reply to be sent")
    # The page shows the reply as sent, without reloading.
    replies = page.get_by_test_id("stDataFrame").last
    expect(replies).to_contain_text("sent", timeout=UI_TIMEOUT)
    _shot(page, "approvals-sent")

    _open(page, "Live executions")
    expect(page.get_by_text("most recent executions")).to_be_visible(timeout=UI_TIMEOUT)
    # The open execution's node timeline is drawn.
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("Runtime")).to_be_visible(timeout=UI_TIMEOUT)
    _shot(page, "executions")
    page.close()

    outbox = list((app.data_dir / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    sent = BytesParser(policy=policy.default).parsebytes(outbox[0].read_bytes())
    assert "We are on it. — Alice" in _plain_body(sent)


def _stored_workflow_status(app: RunningApp) -> WorkflowStatus:
    store = open_store(Settings(data_dir=app.data_dir))
    try:
        return store.get_workflow(DEFAULT_WORKFLOW_ID).status
    finally:
        store.close()


def _stored_setting(app: RunningApp, node_id: str, name: str) -> object:
    store = open_store(Settings(data_dir=app.data_dir))
    try:
        return store.get_workflow(DEFAULT_WORKFLOW_ID).visual_data.node(node_id).config.get(name)
    finally:
        store.close()


def test_a_manager_switches_the_workflow_off_and_on_and_edits_a_node(
    app: RunningApp, browser: Browser
) -> None:
    page = _sign_in(browser, app, "manager")
    expect(page.get_by_text("Customer Support Email Automation").first).to_be_visible(
        timeout=UI_TIMEOUT
    )
    graph = page.frame_locator("iframe").first.locator("canvas")
    expect(graph).to_be_visible(timeout=UI_TIMEOUT)
    _shot(page, "workflow")

    switch = page.get_by_text("Active", exact=True)
    switch.click()
    expect(page.get_by_text("Workflow switched off").first).to_be_visible(timeout=UI_TIMEOUT)
    wait_until(lambda: _stored_workflow_status(app) == WorkflowStatus.OFF, 10, "off")
    switch.click()
    expect(page.get_by_text("Workflow switched on").first).to_be_visible(timeout=UI_TIMEOUT)
    wait_until(lambda: _stored_workflow_status(app) == WorkflowStatus.ACTIVE, 10, "on")

    _choose(page, "Node", "Agent approval")
    hours = page.get_by_label("sla hours", exact=True)
    expect(hours).to_be_visible(timeout=UI_TIMEOUT)
    hours.fill("6")
    page.get_by_role("button", name="Save as a new version").click()
    saved = page.get_by_text("the workflow is now version 2").first
    expect(saved).to_be_visible(timeout=UI_TIMEOUT)
    assert _stored_setting(app, "approval", "sla_hours") == 6.0

    # A bad value is refused next to its field.
    page.get_by_label("sla hours", exact=True).fill("-1")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("greater than 0").first).to_be_visible(timeout=UI_TIMEOUT)
    _shot(page, "workflow-node-settings")
    page.close()


def test_an_analyst_changes_the_date_range_and_the_charts_change(
    app: RunningApp, browser: Browser
) -> None:
    wait_until(lambda: _status(app.env)["emails"] >= 1, 60, "emails to be classified")
    page = _sign_in(browser, app, "analyst")
    expect(page.get_by_role("heading", name="Metrics")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_role("link", name="Approvals")).to_have_count(0)
    charts = page.locator(".js-plotly-plot")
    expect(charts.first).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("Emails by category per day")).to_be_visible(timeout=UI_TIMEOUT)
    _shot(page, "metrics")

    # One day (today) is drawn per hour instead of per day: move the start date to today.
    year, month, day = time.strftime("%Y %m %d", time.gmtime()).split()
    for part, value in (("year", year), ("month", month), ("day", day)):
        field = page.get_by_role("spinbutton", name=f"{part}, Date range (UTC) start date")
        field.click()
        page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Metrics").click()  # leaving the field commits it
    expect(page.get_by_text("Emails by category per hour")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("Emails by category per day")).to_have_count(0)
    _shot(page, "metrics-one-day")
    page.close()


def test_an_admin_sees_settings_and_health(app: RunningApp, browser: Browser) -> None:
    page = _sign_in(browser, app, "admin")
    _open(page, "Settings")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=UI_TIMEOUT)
    _shot(page, "settings")
    page.get_by_role("tab", name="Users and roles").click()
    expect(page.get_by_text("Add a person")).to_be_visible(timeout=UI_TIMEOUT)
    _shot(page, "settings-users")

    # Long work: rebuilding metrics shows a progress bar, then what it did. On a store this
    # fresh every execution may still be in the current hour, which is never rebuilt.
    page.get_by_role("tab", name="Long work").click()
    page.get_by_role("button", name="Rebuild").click()
    outcome = page.get_by_text("hourly figures written").or_(
        page.get_by_text("only closed hours can be rebuilt")
    )
    expect(outcome.first).to_be_visible(timeout=UI_TIMEOUT)
    if page.get_by_text("hourly figures written").count():
        expect(page.get_by_text("executions read")).to_be_visible(timeout=UI_TIMEOUT)
    _shot(page, "settings-long-work")
    page.close()


def _plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the reply has no text/plain part"
    content: str = part.get_content()
    return content
