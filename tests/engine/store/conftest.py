"""The ``store`` fixture of the store tests: one empty, set-up store per backend.

The ``mongodb`` cases run over the wire on MONGODB_URI when it is set (a real MongoDB), and
otherwise on a secantusdb server the session starts. A test marked
``wire_server_limitation(reason)`` is a strict xfail on secantusdb only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import mongomock
import pytest

from engine.encryption import FieldCipher, new_key, parse_key
from engine.store.base import Store
from engine.store.mongo import MongoStore
from engine.store.sqlite import SQLiteStore
from tests.mongo_server import EXTERNAL_MONGODB_URI, mongodb_store


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Turn ``wire_server_limitation`` into a strict xfail where the test runs on secantusdb."""
    if EXTERNAL_MONGODB_URI:
        return
    for item in items:
        marker = item.get_closest_marker("wire_server_limitation")
        if marker is not None and _on_mongodb(item):
            reason = f"secantusdb limitation: {marker.args[0]}"
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


def _on_mongodb(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    backend = str(callspec.params.get("store", "")) if callspec is not None else ""
    return backend.startswith("mongodb") or "mongodb_uri" in getattr(item, "fixturenames", ())


@pytest.fixture(
    params=[
        "sqlite",
        "sqlite-encrypted",
        "mongomock",
        "mongomock-encrypted",
        "mongodb",
        "mongodb-encrypted",
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend (this overrides the suite's seeded SQLite ``store``),
    with data stored in clear and, for ``-encrypted``, under an encryption key."""
    backend, _, encrypted = str(request.param).partition("-")
    cipher = FieldCipher(parse_key(new_key())) if encrypted else None
    if backend == "mongodb":
        yield from mongodb_store(request.getfixturevalue("mongodb_uri"), cipher)
    else:
        yield from _store(backend, tmp_path, cipher)


def _store(backend: str, tmp_path: Path, cipher: FieldCipher | None) -> Iterator[Store]:
    if backend == "sqlite":
        # A missing parent folder is part of what is tested.
        store: Store = SQLiteStore(tmp_path / "data" / "mailroom.db", cipher)
    else:
        store = MongoStore(mongomock.MongoClient(tz_aware=True), f"test_{uuid.uuid4().hex}", cipher)
    store.setup()
    yield store
    store.close()
