"""What every browser test shares: Debian's chromium, a data folder set up by ``engine setup``,
and the app served by ``streamlit run`` on a free port until the test module is done.

A server runs in its own process group; stopping it is Ctrl-C (SIGINT to the group), then
SIGKILL if it has not stopped 30 s later, so no test leaves a server behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from engine.accounts import read_printed_accounts

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
UI_TIMEOUT = 30_000
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def app_env(data_dir: Path, models_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment pointed at ``data_dir`` and ``models_dir``, plus ``extra``."""
    return {
        **os.environ,
        "MAILROOM_DATA_DIR": str(data_dir),
        "MAILROOM_MODELS_DIR": str(models_dir),
        **extra,
    }


def engine_setup(env: dict[str, str], *, skip_model: bool = True) -> dict[str, str]:
    """Run ``python -m engine setup`` on ``env``'s data folder; the printed passwords."""
    command = [sys.executable, "-m", "engine", "setup"]
    setup = subprocess.run(
        [*command, "--skip-model"] if skip_model else command,
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return read_printed_accounts(setup.stderr)


def wait_healthy(base: str, seconds: float = 60) -> None:
    """Wait until the Streamlit server at ``base`` answers its health check."""

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    wait_until(healthy, seconds, "the Streamlit server")


@contextmanager
def server_process(
    command: Sequence[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` running in its own process group, its output in ``log_path``; stopped with
    Ctrl-C on leaving unless the caller stopped it already."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


@contextmanager
def streamlit_app(
    env: dict[str, str], log_path: Path, *, port: int | None = None, args: Sequence[str] = ()
) -> Iterator[str]:
    """The app (``streamlit run app.py``) on ``port`` (a free one by default), with ``args``
    added to ``streamlit run`` (``--secrets.files …``); its base address once healthy."""
    port = port or free_port()
    command = [
        str(Path(sys.executable).with_name("streamlit")),
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        *args,
    ]
    with server_process(command, env, log_path):
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        yield base
