"""A support team's first hour, in Debian's chromium (Playwright): sessions and addresses, links
in a customer's email, and when an email arrived.

- A reload, a bookmark or a typed address keeps you signed in (a signed session cookie); signing
  out, removing the account or changing its role ends the session, even for a copied cookie; a
  forged cookie signs nobody in.
- An address names a page, a draft (``/approvals?approval=…``) or an execution
  (``/executions?execution=…``), before signing in too: the sign-in form is shown there (no
  "Page not found"), and after signing in that page, draft or execution is open.
- A link in a customer's email opens in a new tab (the app stays), with
  ``rel="noopener noreferrer"``, and its real target is written next to it.
- "Received" and the SLA count from when the email arrived, not from its Date header (one from
  years ago, one from the future); the header is shown apart, as the sender wrote it.

Screenshots go to ``artifacts/screenshots/sessions-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from engine.accounts import AccountBook
from engine.mail.inbound import accept_raw
from engine.models import Approval, ExecutionLog, ExecutionStatus, TriggeredBy, WorkflowStatus
from engine.nodes.approval import ApprovalConfig
from engine.roles import Role
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.sqlite import SQLiteStore
from providers.ai.base import PRIORITY_RANK, Classification, DraftReply
from tests.browser.streamlit_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    UI_TIMEOUT,
    app_env,
    engine_setup,
    streamlit_app,
    wait_until,
)
from ui.format import timestamp

#: The cookie the app keeps its session token in (``engine.sessions.COOKIE_NAME``).
COOKIE_NAME = "mailroom_session"
PHISH = "https://evil.example/collect?from=mailroom"
SHOWN = "https://bank.example/login"
#: The names in the sidebar's navigation links now (an icon's ligature text comes first).
SIDEBAR_LINKS = """() => Array.from(document.querySelectorAll('[data-testid="stSidebarNavLink"]'))
    .map(link => link.innerText.trim().split("\\n").pop().trim())"""
OLD_DATE = "Tue, 01 Jan 2019 09:00:00 +0000"
FUTURE_DATE = "Fri, 01 Jun 2035 09:00:00 +0000"


@dataclass(frozen=True)
class Seeded:
    """One email, its waiting execution and its draft."""

    subject: str
    email_id: str
    execution_id: str
    approval_id: str
    received_at: datetime
    due_at: datetime


@dataclass
class TeamApp:
    base: str
    passwords: dict[str, str]
    settings: Settings
    old: Seeded
    future: Seeded
    seeded_from: datetime
    seeded_until: datetime


def _message(subject: str, date: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Jane Customer <jane@customer.example>"
    message["To"] = "support@mailroom.example"
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = message_id
    message.set_content(f"Hello, about {subject}. My bank login is at {SHOWN}.")
    message.add_alternative(
        f"<p>Hello, about {subject}.</p>"
        f'<p>Please check <a id="phish" href="{PHISH}">{SHOWN}</a> and reply.</p>',
        subtype="html",
    )
    return message.as_bytes()


def _seed_one(store: SQLiteStore, subject: str, date: str, message_id: str) -> Seeded:
    """Take the email in as the engine does, then park a draft for it the way the Approval
    node does (its SLA from the node's own rule), without the AI models."""
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    outcome = accept_raw(
        store,
        _message(subject, date, message_id),
        mailbox="support@mailroom.example",
        source="test",
    )
    assert outcome.status == "ingested" and outcome.email_id
    email = store.get_email(outcome.email_id)
    assert email is not None
    execution = ExecutionLog(
        workflow_id=DEFAULT_WORKFLOW_ID,
        workflow_version=workflow.version,
        email_id=email.email_id,
        triggered_by=TriggeredBy.API,
        status=ExecutionStatus.WAITING,
        category="billing",
        priority="normal",
    )
    assert store.create_execution(execution)
    classification = Classification(
        category="billing",
        category_confidence=0.9,
        priority="normal",
        priority_confidence=0.9,
        sentiment="neutral",
        sentiment_confidence=0.9,
        language="en",
        language_confidence=0.99,
        provider="fixture",
        model="fixture",
    )
    due_at = ApprovalConfig().due_at("normal", email.received_at)
    approval = store.create_approval(
        Approval(
            execution_id=execution.execution_id,
            workflow_id=DEFAULT_WORKFLOW_ID,
            node_id="approval",
            email_id=email.email_id,
            priority="normal",
            priority_rank=PRIORITY_RANK["normal"],
            due_at=due_at,
            classification=classification,
            draft=DraftReply(
                subject=f"Re: {subject}",
                body=f"Thank you for writing about {subject}.",
                confidence=0.8,
                provider="fixture",
                model="fixture",
            ),
        )
    )
    return Seeded(
        subject,
        email.email_id,
        execution.execution_id,
        approval.approval_id,
        email.received_at,
        due_at,
    )


@pytest.fixture(scope="module")
def team_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamApp]:
    tmp_path = tmp_path_factory.mktemp("sessions")
    env = app_env(tmp_path / "data", tmp_path / "models", MAILROOM_SESSION_HOURS="1")
    env.pop("MAILROOM_SESSION_SECRET", None)  # the secret generated into the data folder
    passwords = engine_setup(env)
    settings = Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models")
    store = SQLiteStore(settings.database_file)
    try:
        workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
        store.save_workflow(workflow.model_copy(update={"status": WorkflowStatus.OFF}))
        seeded_from = datetime.now(UTC)
        old = _seed_one(store, "Refund for order 1001", OLD_DATE, "<old-1@customer.example>")
        future = _seed_one(store, "Delivery of order 2002", FUTURE_DATE, "<future-1@c.example>")
        seeded_until = datetime.now(UTC)
    finally:
        store.close()
    with streamlit_app(env, tmp_path / "streamlit.log") as base:
        yield TeamApp(base, passwords, settings, old, future, seeded_from, seeded_until)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make test`, which installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile: no cookie from another test."""
    made = browser.new_context(viewport={"width": 1400, "height": 1800})
    yield made
    made.close()


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"sessions-{name}.png", full_page=True)


def _session_cookie(context: BrowserContext) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def _fill_sign_in(page: Page, name: str, password: str) -> None:
    expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible(timeout=UI_TIMEOUT)


def _sign_in(context: BrowserContext, app: TeamApp, name: str, password: str = "") -> Page:
    page = context.new_page()
    page.goto(app.base)
    _fill_sign_in(page, name, password or app.passwords[name])
    wait_until(lambda: _session_cookie(context) is not None, 15, "the session cookie")
    return page


def _expect_signed_out(page: Page) -> None:
    expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("Signed in as")).to_have_count(0)


def _expect_no_page_not_found(page: Page) -> None:
    page.wait_for_timeout(1000)  # the dialog, if any, comes with the first render
    expect(page.get_by_text("Page not found")).to_have_count(0)


def test_the_sidebar_never_lists_the_raw_page_files(
    team_app: TeamApp, context: BrowserContext
) -> None:
    # First in this module: the first page load after the server started is the one that
    # used to list the files of pages/ while the app's imports ran.
    # Every navigation link the page ever draws is recorded, however briefly it was there.
    context.add_init_script(
        """
        window.__navSeen = [];
        new MutationObserver(() => {
          for (const link of document.querySelectorAll('[data-testid="stSidebarNavLink"]')) {
            // The last line: the page's name (an icon's ligature text comes first).
            window.__navSeen.push(link.innerText.trim().split("\n").pop().trim());
          }
        }).observe(document, {childList: true, subtree: true, characterData: true});
        """
    )
    raw = {"approvals", "executions", "metrics", "settings", "workflow"}
    page = context.new_page()
    page.goto(team_app.base, wait_until="commit")
    sampled: set[str] = set()
    sign_in = page.get_by_text("Sign in to Mailroom")
    for _ in range(300):  # also look every 0.1 s, until the form has been up for a second
        sampled |= set(page.evaluate(SIDEBAR_LINKS))
        if sign_in.count() and sign_in.is_visible():
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(1000)
    sampled |= set(page.evaluate("() => window.__navSeen || []"))
    assert not sampled & raw, sampled
    _shot(page, "first-load-after-start")
    _fill_sign_in(page, "admin", team_app.passwords["admin"])
    expect(page.get_by_role("heading", name="Workflow")).to_be_visible(timeout=UI_TIMEOUT)
    page.reload()
    expect(page.get_by_role("heading", name="Workflow")).to_be_visible(timeout=UI_TIMEOUT)
    seen = set(page.evaluate("() => window.__navSeen || []")) | set(page.evaluate(SIDEBAR_LINKS))
    assert not seen & raw, seen
    assert {"Approvals", "Live executions", "Settings"} <= seen  # the real navigation


def test_a_reload_a_bookmark_and_a_typed_address_keep_you_signed_in(
    team_app: TeamApp, context: BrowserContext
) -> None:
    page = _sign_in(context, team_app, "agent")
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible(timeout=UI_TIMEOUT)
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["sameSite"] == "Strict"
    assert cookie["expires"] > 0  # expires with the session, not a browser-lifetime cookie

    page.reload()
    expect(page.get_by_text("Signed in as agent")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("Sign in to Mailroom")).to_have_count(0)
    _shot(page, "after-reload")

    typed = context.new_page()  # a bookmark or an address typed in a new tab
    typed.goto(f"{team_app.base}/executions")
    expect(typed.get_by_text("Signed in as agent")).to_be_visible(timeout=UI_TIMEOUT)
    expect(typed.get_by_role("heading", name="Live executions")).to_be_visible(timeout=UI_TIMEOUT)
    _expect_no_page_not_found(typed)
    _shot(typed, "typed-address")


def test_a_link_to_a_draft_opens_it_after_signing_in(
    team_app: TeamApp, context: BrowserContext
) -> None:
    # The second draft in the queue, so landing on the first would not pass for it.
    wanted = team_app.future
    page = context.new_page()
    page.goto(f"{team_app.base}/approvals?approval={wanted.approval_id}")
    expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
    _expect_no_page_not_found(page)
    _shot(page, "link-before-sign-in")
    _fill_sign_in(page, "agent", team_app.passwords["agent"])
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_role("textbox", name="Subject")).to_have_value(
        f"Re: {wanted.subject}", timeout=UI_TIMEOUT
    )
    assert f"approval={wanted.approval_id}" in page.url
    _expect_no_page_not_found(page)
    _shot(page, "link-to-draft")

    # The address follows what is open: the other draft, then a reload keeps it.
    other = team_app.old
    # A row's Open button (a select box's list toggle is a button named Open too).
    buttons = page.get_by_test_id("stButton").get_by_role("button", name="Open", exact=True)
    next(b for b in buttons.all() if b.is_enabled()).click()
    expect(page.get_by_role("textbox", name="Subject")).to_have_value(
        f"Re: {other.subject}", timeout=UI_TIMEOUT
    )
    wait_until(lambda: f"approval={other.approval_id}" in page.url, 15, "the address")
    page.reload()
    expect(page.get_by_role("textbox", name="Subject")).to_have_value(
        f"Re: {other.subject}", timeout=UI_TIMEOUT
    )


def test_a_link_to_an_execution_opens_it(team_app: TeamApp, context: BrowserContext) -> None:
    wanted = team_app.old  # the older one: not the first of the list
    page = context.new_page()
    page.goto(f"{team_app.base}/executions?execution={wanted.execution_id}")
    _expect_no_page_not_found(page)
    _fill_sign_in(page, "manager", team_app.passwords["manager"])
    expect(page.get_by_role("heading", name="Live executions")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text(f"Execution {wanted.execution_id}")).to_be_visible(timeout=UI_TIMEOUT)
    page.wait_for_timeout(2500)  # the list refreshes every 2 s: the choice must hold
    expect(page.get_by_text(f"Execution {wanted.execution_id}")).to_be_visible()
    assert f"execution={wanted.execution_id}" in page.url
    _shot(page, "link-to-execution")


def test_a_page_outside_your_role_says_so(team_app: TeamApp, context: BrowserContext) -> None:
    page = _sign_in(context, team_app, "analyst")
    page.goto(f"{team_app.base}/settings")
    expect(page.get_by_text("is not part of the analyst role")).to_be_visible(timeout=UI_TIMEOUT)
    _expect_no_page_not_found(page)


def test_signing_out_ends_the_session_even_for_a_copied_cookie(
    team_app: TeamApp, browser: Browser, context: BrowserContext
) -> None:
    page = _sign_in(context, team_app, "manager")
    copied = _session_cookie(context)
    assert copied
    page.get_by_role("button", name="Sign out").click()
    _expect_signed_out(page)
    wait_until(lambda: _session_cookie(context) is None, 15, "the cookie to be deleted")
    page.reload()
    _expect_signed_out(page)

    thief = browser.new_context()
    try:
        thief.add_cookies([{"name": COOKIE_NAME, "value": copied, "url": team_app.base}])
        stolen = thief.new_page()
        stolen.goto(f"{team_app.base}/workflow")
        _expect_signed_out(stolen)
        _shot(stolen, "copied-cookie-after-sign-out")
    finally:
        thief.close()


@pytest.mark.parametrize("change", ["role", "removed"])
def test_a_role_change_or_removal_ends_the_session(
    team_app: TeamApp, context: BrowserContext, change: str
) -> None:
    book = AccountBook(team_app.settings.accounts_path, rounds=4)
    name, password = f"temp-{change}", "temporary-password-1"
    book.add(name, Role.AGENT, password)
    try:
        page = _sign_in(context, team_app, name, password)
        page.reload()
        expect(page.get_by_text(f"Signed in as {name}")).to_be_visible(timeout=UI_TIMEOUT)
        if change == "role":
            book.set_role(name, Role.ANALYST)
        else:
            book.remove(name)
        page.reload()
        _expect_signed_out(page)
    finally:
        if book.get(name) is not None:
            book.remove(name)


def test_a_forged_cookie_signs_nobody_in(team_app: TeamApp, context: BrowserContext) -> None:
    page = _sign_in(context, team_app, "agent")
    genuine = _session_cookie(context)
    assert genuine
    payload, _, signature = genuine.partition(".")
    # The same claims with another signature, and a signature-less token naming the admin.
    for forged in (f"{payload}.{signature[::-1]}", "eyJuIjoiYWRtaW4iLCJyIjoiYWRtaW4ifQ."):
        # Leave the app first: a rerun of the page still open could write its genuine cookie
        # again after the forged one is set (seen once in a full run).
        page.goto("about:blank")
        context.clear_cookies()
        context.add_cookies([{"name": COOKIE_NAME, "value": forged, "url": team_app.base}])
        page.goto(team_app.base)
        _expect_signed_out(page)


def _open_draft(context: BrowserContext, app: TeamApp, seeded: Seeded) -> Page:
    page = _sign_in(context, app, "agent")
    page.goto(f"{app.base}/approvals?approval={seeded.approval_id}")
    expect(page.get_by_role("textbox", name="Subject")).to_have_value(
        f"Re: {seeded.subject}", timeout=UI_TIMEOUT
    )
    return page


def test_links_in_a_customer_email_open_in_a_new_tab_and_show_their_target(
    team_app: TeamApp, context: BrowserContext
) -> None:
    visited: list[tuple[str, str | None]] = []

    def phishing_site(route: Route) -> None:
        visited.append((route.request.url, route.request.headers.get("referer")))
        route.fulfill(status=200, body="<title>elsewhere</title>", content_type="text/html")

    context.route("https://evil.example/**", phishing_site)
    page = _open_draft(context, team_app, team_app.old)
    app_url = page.url
    page.get_by_text("Formatted (sanitised HTML)").click()
    email = page.locator(".mailroom-email")
    expect(email).to_be_visible(timeout=UI_TIMEOUT)
    link = email.get_by_role("link", name=SHOWN)
    expect(link).to_have_attribute("href", PHISH)
    expect(link).to_have_attribute("target", "_blank")
    rel = (link.get_attribute("rel") or "").split()
    assert "noopener" in rel and "noreferrer" in rel, rel
    # The real target, written out beside the text that claims another.
    expect(email.get_by_text(PHISH)).to_be_visible()
    _shot(page, "email-link-target")

    with context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.startswith("https://evil.example/")
    assert visited and visited[0][1] is None, visited  # the target is not told who sent it
    assert page.url == app_url  # the app stayed where it was
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible()
    tab.close()


@pytest.mark.parametrize("which", ["old", "future"])
def test_received_and_the_sla_count_from_arrival_not_the_date_header(
    team_app: TeamApp, context: BrowserContext, which: str
) -> None:
    seeded = team_app.old if which == "old" else team_app.future
    # Stored as the time it was taken in, whatever the Date header claims.
    assert team_app.seeded_from <= seeded.received_at <= team_app.seeded_until
    page = _open_draft(context, team_app, seeded)
    expect(page.get_by_text(f"Received: {timestamp(seeded.received_at)}")).to_be_visible(
        timeout=UI_TIMEOUT
    )
    header = OLD_DATE if which == "old" else FUTURE_DATE
    header_year = header.split()[3]
    expect(page.get_by_text(f"Date header: {header_year}-", exact=False)).to_be_visible()
    expect(page.get_by_text(f"due {timestamp(seeded.due_at)}", exact=False)).to_be_visible()
    expect(page.get_by_text(f"Received: {header_year}", exact=False)).to_have_count(0)
    _shot(page, f"received-{which}-date-header")
