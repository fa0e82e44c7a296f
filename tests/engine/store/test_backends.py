"""What is particular to one backend or to choosing one (the contract is test_contract.py)."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import mongomock
import pytest

import engine.store.mongo
from engine.models import ExecutionLog
from engine.settings import Settings
from engine.store.factory import open_store
from engine.store.mongo import MongoStore
from engine.store.sqlite import SQLiteStore


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("MONGODB_URI", "MAILROOM_MONGODB_URI", "MAILROOM_SQLITE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAILROOM_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))


@pytest.mark.usefixtures("clean_environment")
def test_open_store_defaults_to_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path / "data"))

    assert isinstance(store, SQLiteStore)
    assert not (tmp_path / "data").exists()  # nothing is created before setup()
    store.setup()
    store.close()
    assert (tmp_path / "data" / "mailroom.db").is_file()


@pytest.mark.usefixtures("clean_environment")
def test_open_store_uses_mongodb_when_the_uri_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Nothing listens there: constructing a client does not connect.
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:9/")

    store = open_store(Settings(data_dir=tmp_path / "data"))

    assert isinstance(store, MongoStore)
    store.close()


def test_sqlite_uses_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "mailroom.db"
    store = SQLiteStore(path)
    store.setup()
    store.close()

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


def test_mongo_store_returns_aware_utc_times_from_a_naive_client() -> None:
    store = MongoStore(mongomock.MongoClient(), f"test_{uuid.uuid4().hex}")
    store.setup()
    created = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    store.create_execution(
        ExecutionLog(
            execution_id="exe_1", workflow_id="wf_1", workflow_version=1, created_at=created
        )
    )

    stored = store.get_execution("exe_1")

    assert stored is not None
    assert stored.created_at == created
    assert stored.created_at.utcoffset() is not None
    assert stored.updated_at.utcoffset() is not None
    store.close()


def test_mongo_setup_creates_the_indexes_every_aggregate_declares() -> None:
    declared = [
        index
        for module in pkgutil.iter_modules(engine.store.mongo.__path__)
        for index in getattr(
            importlib.import_module(f"engine.store.mongo.{module.name}"), "INDEXES", []
        )
    ]
    store = MongoStore(mongomock.MongoClient(tz_aware=True), f"test_{uuid.uuid4().hex}")
    store.setup()
    made = {
        (collection, tuple(info["key"]), bool(info.get("unique")))
        for collection in store._db.list_collection_names()
        for info in store._db[collection].index_information().values()
    }
    assert {(i.collection, tuple(i.keys), i.unique) for i in declared} <= made
    assert {"emails", "executions", "approvals", "rollups", "audit"} <= {
        i.collection for i in declared
    }
    store.close()
