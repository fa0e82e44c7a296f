"""MongoDB for the tests: a wire-protocol server, ``secantusdb`` (single node, WiredTiger, in
memory) on a free loopback port, and a store on a database of its own on a server.

secantusdb is GPL-2.0: a development and test dependency only (requirements-dev.txt).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymongo
import pytest
from pymongo.errors import PyMongoError

from engine.encryption import FieldCipher
from engine.store.mongo import MongoStore

STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _binary() -> str:
    """``secantusd-py`` of this environment (beside the running Python), or on the PATH."""
    beside = Path(sys.executable).parent / "secantusd-py"
    found = str(beside) if beside.exists() else shutil.which("secantusd-py")
    if found is None:
        pytest.fail("secantusd-py is missing: `make test` installs secantusdb (requirements-dev)")
    return found


def _ping(uri: str) -> bool:
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def secantus_server(folder: Path) -> Iterator[str]:
    """Run ``secantusd-py`` until the block ends and give its URI once it answers a ping.

    ``folder`` holds its configuration and log. Fails the test (with the server's log) if the
    server exits or does not answer within ``STARTUP_TIMEOUT_SECONDS``.
    """
    port = _free_port()
    uri = f"mongodb://127.0.0.1:{port}/"
    # An empty configuration file of our own: without --config the server would read a
    # secantusd.toml from the working folder or the developer's home.
    config = folder / "secantusd.toml"
    config.write_text("")
    log_path = folder / "secantusd.log"
    command = [
        _binary(),
        *("--config", str(config)),
        *("--host", "127.0.0.1", "--port", str(port)),
        *("--storage-path", ":memory:"),
        *("--log-level", "WARNING"),
        "--enable-test-commands",
    ]
    # The log goes to a file, not a pipe: a pipe nobody reads would block the server once full.
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not _ping(uri):
            if process.poll() is not None:
                pytest.fail(
                    f"secantusd-py exited with status {process.returncode}:\n"
                    f"{log_path.read_text(errors='replace')}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"secantusd-py did not answer on {uri} within {STARTUP_TIMEOUT_SECONDS:.0f} s:"
                    f"\n{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.1)
        yield uri
    finally:
        _stop(process)


def mongodb_store(
    uri: str, cipher: FieldCipher | None = None, **client_options: Any
) -> Iterator[MongoStore]:
    """A set-up store on a database of its own on ``uri``, dropped afterwards (a generator for
    a fixture to ``yield from``); ``client_options`` go to ``pymongo.MongoClient``."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=5000, **client_options
    )
    name = f"test_{uuid.uuid4().hex}"
    store = MongoStore(client, name, cipher)
    try:
        store.setup()
        yield store
    finally:
        try:
            client.drop_database(name)
        finally:
            store.close()
