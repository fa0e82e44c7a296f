"""Bulk approval in Debian's chromium (Playwright): an agent sees the flagged drafts with their
reasons outside the selection, previews, confirms, and reads the result; only the unflagged
drafts are approved."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect, sync_playwright

from engine.models import ApprovalStatus
from engine.settings import Settings
from engine.store.sqlite import SQLiteStore
from tests.browser.streamlit_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    UI_TIMEOUT,
    app_env,
    engine_setup,
    streamlit_app,
)
from tests.ui.test_bulk_approve_page import _queue


@dataclass
class BulkApp:
    base: str
    passwords: dict[str, str]
    settings: Settings


@pytest.fixture(scope="module")
def bulk_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BulkApp]:
    tmp_path = tmp_path_factory.mktemp("bulk")
    env = app_env(tmp_path / "data", tmp_path / "models")
    settings = Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models")
    passwords = engine_setup(env)
    store = SQLiteStore(settings.database_file)
    try:
        _queue(store)  # three clean drafts, one injection and one angry customer, flagged
    finally:
        store.close()
    with streamlit_app(env, tmp_path / "streamlit.log") as base:
        yield BulkApp(base, passwords, settings)


def test_an_agent_bulk_approves_only_unflagged_drafts_after_a_preview(bulk_app: BulkApp) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make test`, which installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.goto(bulk_app.base)
            expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
            page.get_by_role("textbox", name="Name").fill("agent")
            page.get_by_role("textbox", name="Password").fill(bulk_app.passwords["agent"])
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Approvals")).to_be_visible(timeout=UI_TIMEOUT)

            page.get_by_text("Approve confident drafts in bulk").click()
            expect(page.get_by_text("2 confident drafts need a person")).to_be_visible(
                timeout=UI_TIMEOUT
            )
            held = page.get_by_role("listitem").filter(has_text="needs a person:")
            expect(held).to_have_count(2)
            expect(held.filter(has_text="ignore previous instructions")).to_have_count(1)
            expect(held.filter(has_text="angry customer")).to_have_count(1)
            # The selection holds the three clean drafts and nothing else.
            chips = page.get_by_role("button", name=re.compile(r"^Remove .*Question from"))
            # The widget's code loads on first use: it may appear after the rest of the page.
            expect(chips).to_have_count(3, timeout=UI_TIMEOUT)
            for name in ("ada", "ben", "cy"):
                chip = page.get_by_role(
                    "button", name=re.compile(f"^Remove .*Question from {name} ")
                )
                expect(chip).to_have_count(1)
            page.screenshot(path=SCREENSHOTS / "approvals-bulk-selection.png", full_page=True)

            page.get_by_role("button", name="Preview 3 drafts").click()
            confirm = page.get_by_role("button", name="Approve and send these 3 drafts")
            expect(confirm).to_be_visible(timeout=UI_TIMEOUT)
            page.screenshot(path=SCREENSHOTS / "approvals-bulk-preview.png", full_page=True)
            confirm.click()
            expect(page.get_by_text("Approved 3 drafts")).to_be_visible(timeout=UI_TIMEOUT)
            page.screenshot(path=SCREENSHOTS / "approvals-bulk-result.png", full_page=True)
        finally:
            browser.close()

    store = SQLiteStore(bulk_app.settings.database_file)
    try:
        statuses = {
            name: approval.status
            for name in ("ada", "ben", "cy", "eve", "max")
            if (approval := store.get_approval(f"apr-{name}")) is not None
        }
    finally:
        store.close()
    assert statuses == {
        "ada": ApprovalStatus.APPROVED,
        "ben": ApprovalStatus.APPROVED,
        "cy": ApprovalStatus.APPROVED,
        "eve": ApprovalStatus.PENDING,
        "max": ApprovalStatus.PENDING,
    }
