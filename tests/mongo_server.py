"""MongoDB for the tests: a wire-protocol server, ``secantusdb`` (single node, WiredTiger, in
memory) on a free loopback port, and a store on a database of its own on a server.

secantusdb is GPL-2.0: a development and test dependency only (requirements-dev.txt).
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymongo
import pytest

from bench.mongo import answers, free_port, server_binary
from engine.encryption import FieldCipher
from engine.store.mongo import MongoStore

#: Read at import: the suite's autouse fixture removes MONGODB_URI from the environment so that
#: no test reaches a developer's database by accident; when set, the MongoDB cases run on it.
EXTERNAL_MONGODB_URI = os.environ.get("MONGODB_URI")
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


def _binary() -> str:
    """``secantusd-py`` of this environment (beside the running Python), or on the PATH."""
    found = server_binary()
    if found is None:
        pytest.fail("secantusd-py is missing: `make test` installs secantusdb (requirements-dev)")
    return found


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class SecantusServer:
    """One ``secantusd-py`` process on a fixed loopback port, which can be stopped and started
    again on the same port and storage (``storage``: a folder, or ``:memory:``)."""

    def __init__(self, folder: Path, storage: str = ":memory:") -> None:
        self.folder = folder
        self.storage = storage
        self.port = free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None
        # An empty configuration file of our own: without --config the server would read a
        # secantusd.toml from the working folder or the developer's home.
        self.config = folder / "secantusd.toml"
        self.config.write_text("")
        self.log_path = folder / "secantusd.log"

    def start(self) -> str:
        """Start the server and return its URI once it answers a ping; fail the test (with
        the server's log) if it exits or does not answer within ``STARTUP_TIMEOUT_SECONDS``."""
        command = [
            _binary(),
            *("--config", str(self.config)),
            *("--host", "127.0.0.1", "--port", str(self.port)),
            *("--storage-path", self.storage),
            *("--log-level", "WARNING"),
            "--enable-test-commands",
        ]
        # The log goes to a file, not a pipe: a pipe nobody reads would block the server.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not answers(self.uri):
            if self.process.poll() is not None:
                pytest.fail(
                    f"secantusd-py exited with status {self.process.returncode}:\n"
                    f"{self.log_path.read_text(errors='replace')}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"secantusd-py did not answer on {self.uri} within "
                    f"{STARTUP_TIMEOUT_SECONDS:.0f} s:\n{self.log_path.read_text(errors='replace')}"
                )
            time.sleep(0.1)
        return self.uri

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``STOP_TIMEOUT_SECONDS``)."""
        if self.process is not None and self.process.poll() is None:
            _stop(self.process)
        self.process = None


@contextmanager
def secantus_server(folder: Path, storage: str = ":memory:") -> Iterator[str]:
    """Run ``secantusd-py`` until the block ends and give its URI once it answers a ping."""
    server = SecantusServer(folder, storage)
    try:
        yield server.start()
    finally:
        server.stop()


def mongodb_store(
    uri: str, cipher: FieldCipher | None = None, **client_options: Any
) -> Iterator[MongoStore]:
    """A set-up store on a database of its own on ``uri``, dropped afterwards (a generator for
    a fixture to ``yield from``); ``client_options`` go to ``pymongo.MongoClient``."""
    options = {"tz_aware": True, "serverSelectionTimeoutMS": 5000} | client_options
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri, **options)
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


@contextmanager
def fail_command(
    uri: str, app_name: str, commands: list[str], times: int | None = 1, **data: Any
) -> Iterator[None]:
    """Arm mongod's ``failCommand`` failpoint for the clients named ``app_name`` until the
    block ends: the next ``times`` of ``commands`` (every one when ``times`` is None) fail as
    ``data`` says (``closeConnection=True``, ``errorCode=N``). The server needs
    ``--enable-test-commands``."""
    admin: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri)
    mode: Any = "alwaysOn" if times is None else {"times": times}
    try:
        admin.admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": mode,
                "data": {"failCommands": commands, "appName": app_name, **data},
            }
        )
        yield
    finally:
        admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        admin.close()
