"""``python -m bench memory``: resident memory of the app, a worker and the API, at rest and
under load, each a separate process as ``make run`` starts them.

On a fresh data folder it runs ``engine setup``, creates an admin API token, and starts the
three processes of ``scripts/run.sh`` (``engine worker``, ``engine api``, ``streamlit run
app.py``) with the demo mailbox flowing. Then:

- **at rest**: once the app and the API answer and the worker has put the first demo draft in
  front of an agent (so its models are loaded), and a few quiet seconds later: each process's
  resident set (``VmRSS``);
- **under load**: ``--emails`` demo emails are posted to ``POST /api/v1/workflows/{id}/run``
  while a reader lists executions and approvals through the API and, when Playwright and
  Debian's chromium are installed, a browser signed in as the admin opens every page in turn;
  the run lasts until every posted email's execution has reached the approval step (or ended).
  Reported: each process's resident set afterwards and its peak (``VmHWM``, the high-water mark
  over the whole run).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.first_start import free_port
from engine.accounts import read_printed_accounts
from engine.seed import DEFAULT_WORKFLOW_ID
from providers.email.demo import DemoEmailSource

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
#: The goal of issue 28 for each process with the default models.
GOAL_MB = 500.0
PAGES = ("workflow", "executions", "approvals", "metrics", "settings")


@dataclass
class ProcessMemory:
    """One process's resident memory in MB."""

    name: str
    at_rest_mb: float | None = None
    after_load_mb: float | None = None
    peak_mb: float | None = None


@dataclass
class MemoryReport:
    """The three processes and what the load did."""

    processes: list[ProcessMemory]
    emails_posted: int
    executions_reached_approval: int
    api_reads: int
    browser_pages: int
    browser: str
    errors: list[str] = field(default_factory=list)


def _status_kb(pid: int, key: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def resident_mb(pid: int) -> float | None:
    """``VmRSS`` of ``pid`` in MB (None when it is gone)."""
    kb = _status_kb(pid, "VmRSS")
    return None if kb is None else round(kb / 1024, 1)


def peak_resident_mb(pid: int) -> float | None:
    """``VmHWM`` (the most it was ever resident) of ``pid`` in MB."""
    kb = _status_kb(pid, "VmHWM")
    return None if kb is None else round(kb / 1024, 1)


def _get(url: str, token: str | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def _post(url: str, token: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body, default=str).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _count(database: Path, sql: str, *args: object) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
            return int(connection.execute(sql, args).fetchone()[0])
    except sqlite3.Error:
        return 0


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


@contextmanager
def _started(env: dict[str, str], folder: Path) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """The worker, the API and the app, as ``scripts/run.sh`` starts them; stopped after."""
    commands = {
        "worker": [sys.executable, "-m", "engine", "worker"],
        "api": [sys.executable, "-m", "engine", "api"],
        "app": [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            env["MAILROOM_PORT"],
            "--server.headless",
            "true",
        ],
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            log = (folder / f"{name}.log").open("wb")
            processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        yield processes
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGINT)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _browse(
    base: str, password: str, stop: threading.Event, round_done: threading.Event
) -> tuple[int, str]:
    """Open every page in turn as the admin until ``stop`` (``round_done`` is set after the
    first round); (pages opened, what browsed)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        round_done.set()
        return 0, "none (Playwright is not installed: requirements-dev.txt)"
    if not CHROMIUM.is_file():
        round_done.set()
        return 0, f"none ({CHROMIUM} is not installed)"
    opened = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(base)
            page.get_by_role("textbox", name="Name").fill("admin", timeout=60_000)
            page.get_by_role("textbox", name="Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_text("Signed in as admin").wait_for(timeout=60_000)
            while not stop.is_set():
                for name in PAGES:
                    page.goto(f"{base}/{name}")
                    page.wait_for_load_state("networkidle", timeout=60_000)
                    opened += 1
                    if stop.is_set():
                        break
                round_done.set()
        finally:
            browser.close()
    return opened, "Debian's chromium through Playwright, signed in as admin"


def measure(emails: int, timeout_seconds: float, keep: bool = False) -> MemoryReport:
    """Start the three processes on a fresh store, measure at rest, load them, measure again."""
    folder = Path(tempfile.mkdtemp(prefix="mailroom-memory-"))
    app_port, api_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAILROOM_", "MONGODB_"))
    }
    env |= {
        "MAILROOM_DATA_DIR": str(folder / "data"),
        "MAILROOM_PORT": str(app_port),
        "MAILROOM_API_PORT": str(api_port),
        "PYTHONPATH": str(ROOT),
        # The load is the point here, not the per-token rate limit.
        "MAILROOM_API_RATE_PER_MINUTE": "1000000",
        "MAILROOM_API_RATE_BURST": "100000",
    }
    database = folder / "data" / "mailroom.db"
    api = f"http://127.0.0.1:{api_port}/api/v1"
    base = f"http://127.0.0.1:{app_port}"
    errors: list[str] = []
    try:
        setup = _command(env, "setup")
        password = read_printed_accounts(setup.stderr).get("admin", "")
        token = _command(env, "tokens", "create", "bench-memory", "--role", "admin")
        secret = token.stdout.strip().splitlines()[-1]
        with _started(env, folder) as processes:
            memory = {name: ProcessMemory(name) for name in processes}
            ready = _wait(
                lambda: (
                    _get(f"{base}/_stcore/health")[0] == 200
                    and _get(f"{api}/health", secret)[0] == 200
                    and _count(database, "SELECT COUNT(*) FROM approvals") > 0
                ),
                timeout_seconds,
            )
            if not ready:
                errors.append(f"not ready after {timeout_seconds:.0f} s (logs in {folder})")
                keep = True
                return MemoryReport(list(memory.values()), 0, 0, 0, 0, "none", errors)
            time.sleep(5)
            for name, process in processes.items():
                memory[name].at_rest_mb = resident_mb(process.pid)
            posted, reads, pages, browsed = _load(
                api, secret, base, password, emails, database, timeout_seconds, errors
            )
            reached = _count(
                database,
                "SELECT COUNT(*) FROM executions WHERE json_extract(doc, '$.triggered_by') = 'api' "
                "AND status NOT IN ('pending', 'running')",
            )
            for name, process in processes.items():
                memory[name].after_load_mb = resident_mb(process.pid)
                memory[name].peak_mb = peak_resident_mb(process.pid)
        return MemoryReport(list(memory.values()), posted, reached, reads, pages, browsed, errors)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _load(
    api: str,
    token: str,
    base: str,
    password: str,
    emails: int,
    database: Path,
    timeout_seconds: float,
    errors: list[str],
) -> tuple[int, int, int, str]:
    """Post ``emails`` demo emails, read through the API and browse the app meanwhile, until
    every posted email's execution left the running states; (posted, API reads, pages, how)."""
    stop, round_done = threading.Event(), threading.Event()
    reads = 0
    browsed: list[tuple[int, str]] = []

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            for path in ("executions?limit=50", "approvals", "metrics", "health"):
                status, _ = _get(f"{api}/{path}", token, timeout=30)
                if status != 200:
                    errors.append(f"GET {path}: HTTP {status}")
                reads += 1

    def browser() -> None:
        try:
            browsed.append(_browse(base, password, stop, round_done))
        except Exception as exc:  # reported with the figures, not lost in a thread
            errors.append(f"browser: {type(exc).__name__}: {exc}")
            round_done.set()

    threads = [
        threading.Thread(target=reader, daemon=True),
        threading.Thread(target=browser, daemon=True),
    ]
    for thread in threads:
        thread.start()
    posted = 0
    source = DemoEmailSource(seed=101)
    for email in source.generate_batch(0, emails):
        body = {
            "from_address": email.from_address,
            "from_name": email.from_name or "",
            "subject": email.subject,
            "body_text": email.body_text or "(no text)",
            "message_id": f"<bench-memory-{posted}@bench.mailroom.invalid>",
        }
        status = _post(f"{api}/workflows/{DEFAULT_WORKFLOW_ID}/run", token, body)
        if status == 202:
            posted += 1
        else:
            errors.append(f"POST run: HTTP {status}")
    _wait(
        lambda: (
            _count(
                database,
                "SELECT COUNT(*) FROM executions WHERE json_extract(doc, '$.triggered_by') = 'api' "
                "AND status IN ('pending', 'running')",
            )
            == 0
        ),
        timeout_seconds,
    )
    round_done.wait(timeout_seconds)  # every page opened at least once under the load
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    pages, how = browsed[0] if browsed else (0, "none (the browser did not finish)")
    return posted, reads, pages, how


def summary(report: MemoryReport) -> str:
    """Human lines: one per process, then what the load was."""
    lines = []
    for p in report.processes:
        verdict = "under" if (p.peak_mb or 0) < GOAL_MB else "OVER"
        lines.append(
            f"{p.name:7s} at rest {p.at_rest_mb} MB, after load {p.after_load_mb} MB, "
            f"peak {p.peak_mb} MB ({verdict} the {GOAL_MB:.0f} MB goal)"
        )
    lines.append(
        f"load: {report.emails_posted} emails posted to the API, "
        f"{report.executions_reached_approval} of them past the running states, "
        f"{report.api_reads} API reads, {report.browser_pages} pages opened by {report.browser}"
    )
    lines.extend(f"error: {e}" for e in report.errors[:10])
    return "\n".join(lines)


def as_figures(report: MemoryReport) -> dict[str, Any]:
    """The report as JSON-able figures."""
    return asdict(report)
