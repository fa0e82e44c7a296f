"""Live executions in Debian's chromium (Playwright), with the demo mailbox flowing: a clicked
row stays open while new executions push it down the list, and under a status filter Pause
then Cancel act on the execution that is open, each after a confirmation naming it.
Screenshots: ``artifacts/screenshots/live-executions-*.png``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from engine.models import ExecutionStatus
from engine.settings import Settings
from engine.store.sqlite import SQLiteStore
from tests.browser.streamlit_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    UI_TIMEOUT,
    app_env,
    engine_setup,
    free_port,
    server_process,
    wait_healthy,
    wait_until,
)

ROW_HEIGHT = 35  # Streamlit's data grid: the header row and each row


@dataclass
class LiveApp:
    base: str
    passwords: dict[str, str]
    data_dir: Path

    def status(self, execution_id: str) -> ExecutionStatus:
        store = SQLiteStore(Settings(data_dir=self.data_dir).database_file)
        try:
            execution = store.get_execution(execution_id)
        finally:
            store.close()
        assert execution is not None
        return execution.status

    def executions(self) -> int:
        store = SQLiteStore(Settings(data_dir=self.data_dir).database_file)
        try:
            return sum(store.count_executions_by_status(None).values())
        finally:
            store.close()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[LiveApp]:
    tmp_path = tmp_path_factory.mktemp("live")
    port = free_port()
    env = app_env(
        tmp_path / "data",
        models_dir,
        MAILROOM_PORT=str(port),
        MAILROOM_API_PORT=str(free_port()),
    )
    passwords = engine_setup(env)
    # The worker, the API and the app, as `make run` starts them: demo emails keep arriving.
    with server_process(["bash", "scripts/run.sh"], env, tmp_path / "run.log"):
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, 120)
        yield LiveApp(base, passwords, tmp_path / "data")


@pytest.fixture(scope="module")
def page(live_app: LiveApp) -> Iterator[Page]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        page.goto(live_app.base)
        page.get_by_role("textbox", name="Name").fill("manager", timeout=UI_TIMEOUT)
        page.get_by_role("textbox", name="Password").fill(live_app.passwords["manager"])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as manager")).to_be_visible(timeout=UI_TIMEOUT)
        yield page
        browser.close()


def _open_row(page: Page, row: int) -> str:
    """Click row ``row`` (1 = the first) of the executions table; the id it opened."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    before = page.url
    page.mouse.click(box["x"] + 10, box["y"] + ROW_HEIGHT * row + ROW_HEIGHT / 2)
    # page.url follows the address only while Playwright is called: wait through it.
    for _ in range(180):
        if page.url != before and "execution=" in page.url:
            break
        page.wait_for_timeout(500)
    found = re.search(r"execution=(exe_[0-9a-f]+)", page.url)
    assert found is not None
    return found.group(1)


def _heading(page: Page) -> str:
    return page.locator("h4").filter(has_text="Execution").first.inner_text()


def test_a_clicked_row_stays_open_while_new_executions_arrive(
    live_app: LiveApp, page: Page
) -> None:
    page.goto(f"{live_app.base}/executions")
    expect(page.get_by_text("click a row to open it")).to_be_visible(timeout=UI_TIMEOUT)
    wait_until(lambda: live_app.executions() >= 4, 120, "four executions")
    page.wait_for_timeout(2500)  # the list refreshes every 2 s
    opened = _open_row(page, 3)
    assert opened in _heading(page)
    seen = live_app.executions()
    wait_until(lambda: live_app.executions() >= seen + 2, 120, "two more executions")
    page.wait_for_timeout(4500)  # two refreshes with the new rows on top
    assert f"execution={opened}" in page.url
    assert opened in _heading(page)
    page.screenshot(path=SCREENSHOTS / "live-executions-row-stays-open.png", full_page=True)


def test_under_a_status_filter_pause_then_cancel_act_on_the_open_execution(
    live_app: LiveApp, page: Page
) -> None:
    page.goto(f"{live_app.base}/executions")
    expect(page.get_by_text("click a row to open it")).to_be_visible(timeout=UI_TIMEOUT)
    page.get_by_label("Status").first.click()
    page.get_by_role("option", name="waiting", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(2500)
    opened = _open_row(page, 2)
    assert live_app.status(opened) == ExecutionStatus.WAITING

    page.get_by_role("button", name="Pause", exact=True).click()
    question = page.get_by_text(re.compile(r"Pause execution .*\?"))
    expect(question).to_be_visible(timeout=UI_TIMEOUT)
    expect(question).to_contain_text(opened[:12])
    page.screenshot(path=SCREENSHOTS / "live-executions-confirm-pause.png", full_page=True)
    assert live_app.status(opened) == ExecutionStatus.WAITING  # nothing before the Yes
    page.get_by_role("button", name="Yes, pause").click()
    wait_until(lambda: live_app.status(opened) == ExecutionStatus.PAUSED, 90, "the pause")
    # Paused, it no longer matches the filter: it stays open rather than another one.
    expect(page.get_by_text("stays open although the filters")).to_be_visible(timeout=UI_TIMEOUT)
    assert opened in _heading(page)

    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text(re.compile(r"Cancel execution .*\?"))).to_contain_text(opened[:12])
    page.get_by_role("button", name="Yes, cancel").click()
    wait_until(lambda: live_app.status(opened) == ExecutionStatus.CANCELLED, 90, "the cancel")
    done = page.get_by_text(re.compile(r"Cancel: execution .* is now cancelled")).first
    expect(done).to_be_visible(timeout=UI_TIMEOUT)
    page.screenshot(path=SCREENSHOTS / "live-executions-cancelled.png", full_page=True)
