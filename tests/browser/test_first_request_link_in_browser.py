"""A page's address typed into a browser as the very first request a freshly started app gets.

Streamlit starts in its older pages-folder mode when the app has a ``pages/`` folder, and in that
mode a first request for ``/executions`` ran ``pages/executions.py`` alone, without ``app.py``:
the sidebar listed the raw file names and had no "Signed in as". A request for ``/`` first hid
this, so the test starts its own server and asks for a page first. Screenshots go to
``artifacts/screenshots/first-request-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.streamlit_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    UI_TIMEOUT,
    app_env,
    engine_setup,
    streamlit_app,
)

SIDEBAR_LINKS = """() => Array.from(document.querySelectorAll('[data-testid="stSidebarNavLink"]'))
    .map(link => link.innerText.trim().split("\\n").pop().trim())"""


@pytest.fixture
def page(tmp_path: Path) -> Iterator[tuple[Page, str, dict[str, str]]]:
    env = app_env(tmp_path / "data", tmp_path / "models")
    passwords = engine_setup(env)
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make test`, which installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with (
        streamlit_app(env, tmp_path / "streamlit.log") as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000}), base, passwords
        finally:
            browser.close()


def test_a_page_address_as_the_first_request_runs_the_whole_app(
    page: tuple[Page, str, dict[str, str]],
) -> None:
    browser_page, base, passwords = page
    browser_page.goto(f"{base}/executions")
    expect(browser_page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
    browser_page.get_by_role("textbox", name="Name").fill("manager")
    browser_page.get_by_role("textbox", name="Password").fill(passwords["manager"])
    browser_page.get_by_role("button", name="Sign in").click()

    expect(browser_page.get_by_text("Signed in as manager")).to_be_visible(timeout=UI_TIMEOUT)
    expect(browser_page.get_by_role("heading", name="Live executions")).to_be_visible(
        timeout=UI_TIMEOUT
    )
    browser_page.screenshot(path=SCREENSHOTS / "first-request-executions.png", full_page=True)
    links = browser_page.evaluate(SIDEBAR_LINKS)
    assert "Live executions" in links, links
    assert not {"app", "executions", "approvals", "settings"} & set(links), links
    assert browser_page.url.startswith(f"{base}/executions"), browser_page.url
