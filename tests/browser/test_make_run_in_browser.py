"""What a new user does after ``make run``, in Debian's chromium driven by Playwright.

Starts ``scripts/run.sh`` (the app and one engine worker, as ``make run`` does after setup) on a
fresh data folder, waits for demo emails to become drafts, approves one in the Approvals page,
checks the reply is sent, then stops everything with Ctrl-C (SIGINT to the process group).
Screenshots of every page are saved under ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from providers.ai.local import LocalAIProvider

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _status(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "engine", "status"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout.splitlines()[-1])
    return result


def _wait_until(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


@pytest.fixture
def running_app(
    tmp_path: Path, local_ai: LocalAIProvider, models_dir: Path
) -> Iterator[tuple[str, dict[str, str], subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {
        **os.environ,
        "MAILROOM_DATA_DIR": str(tmp_path / "data"),
        "MAILROOM_MODELS_DIR": str(models_dir),
        "MAILROOM_PORT": str(port),
        "MAILROOM_DEFAULT_USER": "alice",
        "MAILROOM_DEFAULT_ROLE": "agent",
    }
    subprocess.run(
        [sys.executable, "-m", "engine", "setup"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    try:
        _wait_until(healthy, 60, "the Streamlit server")
        yield base, env, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _open(page: Page, base: str, title: str) -> None:
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state("networkidle")


def test_make_run_demo_emails_become_drafts_and_an_approved_one_is_sent(
    running_app: tuple[str, dict[str, str], subprocess.Popen[bytes]],
) -> None:
    base, env, proc = running_app
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make test`, which installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _wait_until(lambda: int(_status(env)["approvals_pending"]) >= 1, 30, "drafts to wait")  # type: ignore[call-overload]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base)
        expect(page.get_by_text("Customer Support Email Automation").first).to_be_visible(
            timeout=30_000
        )
        graph = page.frame_locator("iframe").first.locator("canvas")
        expect(graph).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Node runs started in the last hour")).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SCREENSHOTS / "workflow.png", full_page=True)

        _open(page, base, "Live executions")
        expect(page.get_by_text("most recent executions")).to_be_visible(timeout=30_000)
        page.screenshot(path=SCREENSHOTS / "executions.png", full_page=True)

        _open(page, base, "Approvals")
        approve = page.get_by_role("button", name="Approve and send")
        expect(approve).to_be_visible(timeout=30_000)
        body = page.get_by_role("textbox", name="Reply")
        body.fill(body.input_value() + "\n\nWe are on it. — Alice")
        page.screenshot(path=SCREENSHOTS / "approvals.png", full_page=True)
        approve.click()
        expect(page.get_by_text("queued to send")).to_be_visible(timeout=30_000)

        _wait_until(lambda: int(_status(env)["replies_sent"]) == 1, 30, "the reply to be sent")  # type: ignore[call-overload]

        _open(page, base, "Metrics")
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
        page.screenshot(path=SCREENSHOTS / "metrics.png", full_page=True)
        browser.close()

    outbox = list((Path(env["MAILROOM_DATA_DIR"]) / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    sent = BytesParser(policy=policy.default).parsebytes(outbox[0].read_bytes())
    assert "We are on it. — Alice" in _plain_body(sent)

    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
    assert proc.wait(timeout=30) == 0 or proc.returncode in (-signal.SIGINT, 130)
    assert int(_status(env)["workers_alive"]) == 0  # type: ignore[call-overload]  # the worker signed off


def _plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the reply has no text/plain part"
    content: str = part.get_content()
    return content
