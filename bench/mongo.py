"""MongoDB for the benchmarks and ``make run-mongo``: a throwaway database on a server, and a
local secantusdb server to run on when no MONGODB_URI is given.

secantusdb (``secantusd-py``, from requirements-dev.txt) is a single-node MongoDB written in
Python: it speaks the wire protocol, so the engine runs on it unchanged, but it is much slower
than mongod; figures taken on it are a floor, not what MongoDB does. Its licence is GPL-2.0,
so it is a development tool here and never a runtime requirement.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymongo
from pymongo.errors import PyMongoError

from engine.settings import Settings
from engine.store.factory import mongo_client_options

STARTUP_TIMEOUT_SECONDS = 60.0


def drop_database(settings: Settings) -> None:
    """Drop the settings' MongoDB database (a benchmark's or a chaos run's own)."""
    if settings.mongodb_uri is None:
        return
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        settings.mongodb_uri.get_secret_value(), **mongo_client_options(settings)
    )
    try:
        client.drop_database(settings.mongodb_database)
    finally:
        client.close()


def server_binary() -> str | None:
    """``secantusd-py`` beside this Python or on the PATH; None when it is not installed."""
    beside = Path(sys.executable).parent / "secantusd-py"
    return str(beside) if beside.exists() else shutil.which("secantusd-py")


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(uri: str) -> bool:
    """Whether a MongoDB server at ``uri`` answers a ping within half a second."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


@contextmanager
def local_server(storage: Path | str, port: int | None = None) -> Iterator[str]:
    """Run a secantusdb server on loopback until the block ends; give its URI once it answers.

    ``storage`` is a folder (kept between runs) or ``":memory:"``. Raises ``RuntimeError`` if
    ``secantusd-py`` is not installed or the server does not come up.
    """
    binary = server_binary()
    if binary is None:
        raise RuntimeError("secantusd-py is not installed: `make install-dev` installs it")
    port = port or free_port()
    uri = f"mongodb://127.0.0.1:{port}/"
    # An empty configuration of our own, so no ./secantusd.toml or ~/.secantus one is read.
    config = Path(tempfile.mkdtemp(prefix="mailroom-secantus-")) / "secantusd.toml"
    config.write_text("")
    command = [
        binary,
        *("--config", str(config), "--host", "127.0.0.1", "--port", str(port)),
        *("--storage-path", str(storage), "--log-level", "WARNING"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not answers(uri):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"secantusd-py did not start on {uri}")
            time.sleep(0.1)
        yield uri
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(config.parent, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.mongo --storage DIR --port P``: run a local secantusdb server until
    SIGINT or SIGTERM; its URI is the first line printed."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--storage", type=Path, default=Path("data/secantus"))
    parser.add_argument("--port", type=int, default=27017, help="0: any free port")
    args = parser.parse_args(argv)
    storage = str(args.storage)
    if storage != ":memory:":
        args.storage.parent.mkdir(parents=True, exist_ok=True)
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with local_server(storage, args.port or None) as uri:
        print(uri, flush=True)
        while not stop:
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
