"""The approval queue with 500 pending drafts, in Debian's chromium (Playwright): the total
shows 500, paging reaches the last page, searching a customer finds exactly their draft, and a
filter narrows the total. Screenshots: ``artifacts/screenshots/approvals-queue-*.png``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from engine.models import utcnow
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
from tests.engine.store.test_contract import make_approval, make_email

DRAFTS = 500
CATEGORIES = ("billing", "account", "shipping", "technical")


@dataclass
class QueueApp:
    base: str
    passwords: dict[str, str]


def _seed(store: SQLiteStore) -> None:
    """500 pending drafts from 500 customers, the categories in turn, due over the next days."""
    now = utcnow()
    for n in range(DRAFTS):
        email = make_email(
            f"<queue-{n}@example.com>",
            from_address=f"buyer{n:03d}@client{n:03d}.example",
            from_name=f"Buyer {n:03d}",
            subject=f"Order question {n:03d}",
            body_text=f"Hello, my order R{n:05d} needs help.",
            received_at=now - timedelta(minutes=DRAFTS - n),
        )
        store.insert_email(email)
        base = make_approval(f"exe_queue_{n}", email_id=email.email_id)
        classification = base.classification.model_copy(
            update={"category": CATEGORIES[n % 4], "sentiment": "neutral"}
        )
        store.create_approval(
            base.model_copy(
                update={
                    "classification": classification,
                    "created_at": email.received_at,
                    "due_at": now + timedelta(hours=2, minutes=n),
                    "priority": "normal",
                    "priority_rank": 2,
                }
            )
        )


@pytest.fixture(scope="module")
def queue_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueueApp]:
    tmp_path = tmp_path_factory.mktemp("queue")
    env = app_env(tmp_path / "data", tmp_path / "models")
    passwords = engine_setup(env)
    store = SQLiteStore(Settings(data_dir=tmp_path / "data").database_file)
    try:
        _seed(store)
    finally:
        store.close()
    with streamlit_app(env, tmp_path / "streamlit.log") as base:
        yield QueueApp(base, passwords)


def _choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the select box ``label`` (again if a rerun closed the list)."""
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


def test_500_drafts_are_counted_paged_searched_and_filtered(queue_app: QueueApp) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make test`, which installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2400})
            page.goto(queue_app.base)
            expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
            page.get_by_role("textbox", name="Name").fill("agent")
            page.get_by_role("textbox", name="Password").fill(queue_app.passwords["agent"])
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name=f"{DRAFTS} pending")).to_be_visible(
                timeout=UI_TIMEOUT
            )
            expect(page.get_by_text("Page 1 of 20", exact=True)).to_be_visible()
            # The rows' Open buttons (a select box's list toggle is a button named Open too).
            open_buttons = page.get_by_test_id("stButton").get_by_role(
                "button", name="Open", exact=True
            )
            expect(open_buttons).to_have_count(25)
            page.screenshot(path=SCREENSHOTS / "approvals-queue-500.png", full_page=True)

            page.get_by_role("button", name="Last").click()
            expect(page.get_by_text("Page 20 of 20", exact=True)).to_be_visible(timeout=UI_TIMEOUT)
            expect(page.get_by_text("Order question 499").first).to_be_visible()
            expect(page.get_by_role("button", name="Next", exact=True)).to_be_disabled()

            search = page.get_by_role("textbox", name="Search")
            search.fill("buyer123@client123.example")
            search.press("Enter")
            expect(page.get_by_text("1 match the filters")).to_be_visible(timeout=UI_TIMEOUT)
            expect(open_buttons).to_have_count(1)
            expect(page.get_by_text("Order question 123").first).to_be_visible()
            expect(page.get_by_text("Page 1 of 1", exact=True)).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "approvals-queue-search.png", full_page=True)

            search.fill("")
            search.press("Enter")
            expect(page.get_by_text(f"{DRAFTS} pending ·")).to_be_visible(timeout=UI_TIMEOUT)
            _choose(page, "Category", "billing")
            expect(page.get_by_text(f"{DRAFTS // 4} match the filters")).to_be_visible(
                timeout=UI_TIMEOUT
            )
            expect(page.get_by_text("Page 1 of 5", exact=True)).to_be_visible()
            expect(page.get_by_role("heading", name=f"{DRAFTS} pending")).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "approvals-queue-filtered.png", full_page=True)
        finally:
            browser.close()
