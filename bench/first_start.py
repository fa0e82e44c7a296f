"""``python -m bench first-start``: how long a fresh clone takes from ``make run`` to working.

Clones this repository's committed HEAD into a temporary folder, runs the README's first
command (``make run``) there on a free port, and reports the seconds until the app answers HTTP
(Streamlit's ``/_stcore/health``) and until the first demo email's draft waits for approval (a
pending row in the clone's own SQLite store), then stops everything it started and removes
the folder.

Two ways to get the packages:

- ``--install``: ``make`` creates a fresh ``.venv`` and installs ``requirements.txt`` from the
  package registry, as on a new machine (minutes, and the network's speed).
- default: the clone's ``.venv`` is a folder of symlinks to an existing virtual environment's
  ``bin``, ``lib``, ``include`` and ``pyvenv.cfg`` (``--venv``, default this checkout's
  ``.venv``), plus the install stamp ``make`` looks for, so ``make`` installs nothing and writes
  nothing into the shared environment. What is measured is everything after the install.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engine.models import ApprovalStatus

ROOT = Path(__file__).resolve().parents[1]
#: What the clone's venv borrows from an existing one (everything ``make`` and Python read).
_VENV_PARTS = ("bin", "lib", "lib64", "include", "pyvenv.cfg")


@dataclass(frozen=True)
class FirstStart:
    """Seconds from ``make run`` to each milestone (None: not reached before the timeout)."""

    install: bool
    commit: str
    app_answers_seconds: float | None
    first_draft_waiting_seconds: float | None
    port: int


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clone_head(destination: Path, source: Path = ROOT) -> str:
    """Clone ``source``'s committed HEAD into ``destination``; the commit cloned."""
    commit = subprocess.run(
        ["git", "-C", str(source), "rev-parse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        ["git", "clone", "--quiet", "--no-checkout", str(source), str(destination)], check=True
    )
    subprocess.run(
        ["git", "-C", str(destination), "checkout", "--quiet", "--detach", commit], check=True
    )
    return commit


def borrow_venv(clone: Path, venv: Path) -> None:
    """Give ``clone`` a ``.venv`` of symlinks into ``venv`` and the stamp that tells ``make``
    the packages of this ``requirements.txt`` and ``constraints.txt`` are installed."""
    venv = venv.resolve()
    if not (venv / "bin" / "python").exists():
        raise SystemExit(f"{venv} is not a virtual environment (no bin/python)")
    target = clone / ".venv"
    target.mkdir()
    for part in _VENV_PARTS:
        if (venv / part).exists():
            (target / part).symlink_to(venv / part)
    # The Makefile's RUNTIME_STAMP: sha256 of requirements.txt then constraints.txt, 12 digits.
    digest = hashlib.sha256(
        (clone / "requirements.txt").read_bytes() + (clone / "constraints.txt").read_bytes()
    ).hexdigest()[:12]
    (target / f".runtime-{digest}").touch()


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _pending_approvals(database: Path) -> int:
    if not database.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM approvals WHERE status = ?", (ApprovalStatus.PENDING.value,)
            ).fetchone()
    except sqlite3.Error:  # not created yet, or busy: look again
        return 0
    return int(row[0])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop ``make run`` and everything it started (its own process group)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 20.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def measure(
    install: bool,
    venv: Path,
    timeout_seconds: float,
    log: Path | None = None,
    keep: bool = False,
) -> FirstStart:
    """Clone, run ``make run``, time the two milestones, stop everything."""
    folder = Path(tempfile.mkdtemp(prefix="mailroom-first-start-"))
    clone = folder / "mailroom"
    process: subprocess.Popen[bytes] | None = None
    try:
        commit = clone_head(clone)
        if not install:
            borrow_venv(clone, venv)
        port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MAILROOM_", "MONGODB_", "VIRTUAL_ENV", "PYTHON"))
        }
        env["MAILROOM_PORT"] = str(port)
        output = log.open("wb") if log else subprocess.DEVNULL
        started = time.perf_counter()
        process = subprocess.Popen(
            ["make", "run"],
            cwd=clone,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        answers: float | None = None
        waiting: float | None = None
        database = clone / "data" / "mailroom.db"
        while time.perf_counter() - started < timeout_seconds and process.poll() is None:
            if answers is None and _answers(port):
                answers = time.perf_counter() - started
            if waiting is None and _pending_approvals(database) > 0:
                waiting = time.perf_counter() - started
            if answers is not None and waiting is not None:
                break
            time.sleep(0.25)
        return FirstStart(install, commit, answers, waiting, port)
    finally:
        if process is not None:
            _stop(process)
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def summary(result: FirstStart) -> str:
    """One human line."""

    def seconds(value: float | None) -> str:
        return "not reached" if value is None else f"{value:.1f} s"

    how = "with the package install" if result.install else "packages already installed"
    return (
        f"first start of {result.commit[:12]} ({how}): app answers after "
        f"{seconds(result.app_answers_seconds)}, first draft waits for approval after "
        f"{seconds(result.first_draft_waiting_seconds)}"
    )


def as_figures(result: FirstStart) -> dict[str, Any]:
    """The result as JSON-able figures."""
    return asdict(result)
