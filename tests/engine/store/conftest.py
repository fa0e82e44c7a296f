"""The ``store`` fixture of the store tests: one empty, set-up store per backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import mongomock
import pymongo
import pytest

from engine.encryption import FieldCipher, new_key, parse_key
from engine.store.base import Store
from engine.store.mongo import MongoStore
from engine.store.sqlite import SQLiteStore

# Read at import: the suite's autouse fixture removes MONGODB_URI from the environment so that
# no other test reaches a developer's database by accident.
MONGODB_URI = os.environ.get("MONGODB_URI")


@pytest.fixture(
    params=["sqlite", "sqlite-encrypted", "mongomock", "mongomock-encrypted", "mongodb"]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend (this overrides the suite's seeded SQLite ``store``),
    with data stored in clear and, for ``-encrypted``, under an encryption key."""
    backend, _, encrypted = str(request.param).partition("-")
    cipher = FieldCipher(parse_key(new_key())) if encrypted else None
    yield from _store(backend, tmp_path, cipher)


def _store(backend: str, tmp_path: Path, cipher: FieldCipher | None) -> Iterator[Store]:
    if backend == "sqlite":
        # A missing parent folder is part of what is tested.
        store: Store = SQLiteStore(tmp_path / "data" / "mailroom.db", cipher)
        store.setup()
        yield store
        store.close()
    elif backend == "mongomock":
        store = MongoStore(mongomock.MongoClient(tz_aware=True), f"test_{uuid.uuid4().hex}", cipher)
        store.setup()
        yield store
        store.close()
    else:
        if not MONGODB_URI:
            pytest.skip("MONGODB_URI is not set")
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            MONGODB_URI, tz_aware=True, serverSelectionTimeoutMS=5000
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
