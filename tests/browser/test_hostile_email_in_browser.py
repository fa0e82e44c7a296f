"""An email carrying script, event-handler and ``javascript:`` payloads, opened on the Approvals
page in Debian's chromium (Playwright): nothing in it runs.

Each payload would, if it ran, call ``alert`` (a ``dialog`` event), ``console.log`` (a
``console`` event), set ``window.__pwned`` or change ``document.title``; all four are watched
while an agent reads the email as plain text and as sanitised HTML, hovers its elements and
clicks its links. The payloads' visible text must still be there, as inert text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, expect, sync_playwright

from engine.adapters import build_providers
from engine.executor import Executor
from engine.mail.inbound import accept_raw
from engine.models import ApprovalStatus, ExecutionLog, TriggeredBy, WorkflowStatus, utcnow
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.sqlite import SQLiteStore
from providers.ai.local import LocalAIProvider
from tests.browser.streamlit_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    UI_TIMEOUT,
    app_env,
    engine_setup,
    streamlit_app,
)

SUBJECT = "Invoice question with attachments"
# Each payload, if it ran, leaves a trace the test watches for.
RUN = "window.__pwned='{0}';document.title='PWNED-{0}';console.log('PWNED-{0}');alert('PWNED-{0}')"
HTML = f"""<html><head><title>x</title>
<meta http-equiv="refresh" content="0;url=javascript:{RUN.format("meta")}">
<style>body {{ background: url("javascript:{RUN.format("css")}") }}</style>
<script>{RUN.format("script")}</script></head>
<body onload="{RUN.format("body")}">
<p>Dear support, my invoice total is wrong.</p>
<img src="x" onerror="{RUN.format("img")}" alt="receipt">
<svg onload="{RUN.format("svg")}"><circle r="4"/></svg>
<iframe src="javascript:{RUN.format("iframe")}"></iframe>
<div id="hover" onmouseover="{RUN.format("hover")}">Hover-marker paragraph</div>
<a id="jslink" href="javascript:{RUN.format("href")}">Open my invoice</a>
<a href=" JaVaScRiPt:{RUN.format("mixedcase")}">Second invoice link</a>
<form action="javascript:{RUN.format("form")}"><button>Send form</button></form>
<math><mtext><table><mglyph><style><img src=x onerror="{RUN.format("mxss")}"></style>
</mglyph></table></mtext></math>
<p>Thanks, Jane</p>
</body></html>"""
TEXT = (
    "Dear support, my invoice total is wrong.\n"
    f"<script>{RUN.format('text')}</script>\n"
    f'<img src=x onerror="{RUN.format("text-img")}">\n'
    "Thanks, Jane"
)


@dataclass
class HostileApp:
    base: str
    passwords: dict[str, str]


def _hostile_email() -> bytes:
    message = EmailMessage()
    message["From"] = "Jane Hostile <jane@customer.example>"
    message["To"] = "support@mailroom.example"
    message["Subject"] = SUBJECT
    message["Message-ID"] = "<hostile-1@customer.example>"
    message.set_content(TEXT)
    message.add_alternative(HTML, subtype="html")
    return message.as_bytes()


def _park_on_approval(settings: Settings, local_ai: LocalAIProvider) -> None:
    """Run the hostile email through the default workflow until its draft awaits an agent;
    the workflow is switched off so no demo mail joins it."""
    store = SQLiteStore(settings.database_file)
    try:
        workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
        store.save_workflow(workflow.model_copy(update={"status": WorkflowStatus.OFF}))
        outcome = accept_raw(
            store, _hostile_email(), mailbox="support@mailroom.example", source="test"
        )
        assert outcome.status == "ingested" and outcome.email_id
        execution = ExecutionLog(
            workflow_id=DEFAULT_WORKFLOW_ID,
            workflow_version=workflow.version,
            email_id=outcome.email_id,
            triggered_by=TriggeredBy.API,
        )
        assert store.create_execution(execution)
        claimed = store.claim_execution("browser-test", utcnow().replace(year=2100), utcnow())
        assert claimed is not None
        providers = build_providers(settings)
        providers.ai_factory = lambda: local_ai
        executor = Executor(store, providers, settings)
        try:
            executor.run(claimed)
        finally:
            executor.close()
        assert store.count_approvals(ApprovalStatus.PENDING) == 1
    finally:
        store.close()


@pytest.fixture(scope="module")
def hostile_app(
    tmp_path_factory: pytest.TempPathFactory, local_ai: LocalAIProvider, models_dir: Path
) -> Iterator[HostileApp]:
    tmp_path = tmp_path_factory.mktemp("hostile")
    env = app_env(tmp_path / "data", models_dir)
    passwords = engine_setup(env)
    _park_on_approval(Settings(data_dir=tmp_path / "data", models_dir=models_dir), local_ai)
    with streamlit_app(env, tmp_path / "streamlit.log") as base:
        yield HostileApp(base, passwords)


def _executed(page: Page) -> list[str]:
    """Traces a payload would leave in any frame: ``window.__pwned`` or a changed title."""
    traces = []
    for frame in page.frames:
        try:
            pwned = frame.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
            title = frame.evaluate("() => document.title")
        except Exception as exc:  # a frame that navigated away cannot be read
            traces.append(f"frame {frame.url!r} unreadable: {exc}")
            continue
        if pwned is not None:
            traces.append(f"window.__pwned={pwned!r} in {frame.url!r}")
        if "PWNED" in title:
            traces.append(f"title={title!r} in {frame.url!r}")
    return traces


def test_no_payload_of_a_hostile_email_runs_on_the_approvals_page(
    hostile_app: HostileApp,
) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make test`, which installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    consoled: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})

            def on_dialog(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            def on_console(message: ConsoleMessage) -> None:
                if "PWNED" in message.text:
                    consoled.append(message.text)

            page.on("dialog", on_dialog)
            page.on("console", on_console)
            page.goto(hostile_app.base)
            expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
            page.get_by_role("textbox", name="Name").fill("agent")
            page.get_by_role("textbox", name="Password").fill(hostile_app.passwords["agent"])
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Approvals")).to_be_visible(timeout=UI_TIMEOUT)
            expect(page.get_by_text(SUBJECT).first).to_be_visible(timeout=UI_TIMEOUT)

            # Plain text first: the payloads are shown as the characters they are.
            shown = page.get_by_text("<script>window.__pwned='text'", exact=False).first
            expect(shown).to_be_visible(timeout=UI_TIMEOUT)
            page.wait_for_timeout(1000)  # give anything that could run the chance to
            assert _executed(page) == []

            # Then the sanitised HTML.
            page.get_by_text("Formatted (sanitised HTML)").click()
            email = page.locator(".mailroom-email")
            expect(email).to_be_visible(timeout=UI_TIMEOUT)
            expect(email.get_by_text("Dear support, my invoice total is wrong.")).to_be_visible()
            expect(email.get_by_text("Hover-marker paragraph")).to_be_visible()
            email.get_by_text("Hover-marker paragraph").hover()
            for name in ("Open my invoice", "Second invoice link"):
                link = email.get_by_text(name)
                expect(link).to_be_visible()
                href = link.evaluate("a => a.getAttribute('href')")
                assert href is None or not href.strip().lower().startswith("javascript"), href
                link.click()
            page.wait_for_timeout(1500)
            markup = email.inner_html()
            page.screenshot(path=SCREENSHOTS / "approvals-hostile-email.png", full_page=True)
            traces = _executed(page)
        finally:
            browser.close()

    assert dialogs == []
    assert consoled == []
    assert traces == []
    lowered = markup.lower()
    for forbidden in ("<script", "onerror", "onload", "onmouseover", "javascript:", "<iframe",
                      "<svg", "<form", "<meta", "<style", "<img"):  # fmt: skip
        assert forbidden not in lowered, forbidden
