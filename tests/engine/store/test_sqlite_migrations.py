"""The SQLite schema's numbered migrations: a store made by older code is migrated by setup()."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.encryption import FieldCipher, parse_key
from engine.models import (
    Approval,
    AuditEntry,
    CategoryCorrection,
    Email,
    ExecutionLog,
    OutboxMessage,
    QuarantinedMessage,
    RollupRow,
    Workflow,
)
from engine.store.base import Store
from engine.store.errors import SchemaTooNew
from engine.store.sqlite import SQLiteStore
from engine.store.sqlite.migrations import LATEST_VERSION, MIGRATIONS, Migration, migrate
from tests.engine.store.data.make_store_94a7c2f import KEY
from tests.engine.store.test_contract import make_execution
from tests.engine.store.test_sqlite_concurrency import _run_processes

DATA = Path(__file__).parent / "data"
# Made by make_store_94a7c2f.py with the code of commit 94a7c2f: user_version 0, every table.
OLD_STORE = DATA / "store_94a7c2f.sqlite"
OLD_RECORDS: dict[str, Any] = json.loads((DATA / "store_94a7c2f.json").read_text())


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        (version,) = db.execute("PRAGMA user_version").fetchone()
    db.close()
    return int(version)


def schema(path: Path) -> dict[tuple[str, str], str]:
    """Every table, index and trigger of the file, its SQL with whitespace normalised."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    db.close()
    return {
        (kind, name): re.sub(r" ?([(),;]) ?", r"\1", re.sub(r"\s+", " ", sql or ""))
        for kind, name, sql in rows
    }


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "mailroom.db"
    shutil.copyfile(OLD_STORE, path)
    return path


def test_migrations_are_numbered_one_by_one_from_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert len(MIGRATIONS) == LATEST_VERSION


def test_a_new_store_is_at_the_latest_version(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "new.db")
    store.setup()
    store.close()
    assert user_version(tmp_path / "new.db") == LATEST_VERSION


def test_a_store_made_by_94a7c2f_is_migrated_and_reads_back_what_it_held(old_store: Path) -> None:
    assert user_version(old_store) == 0
    store = SQLiteStore(old_store, FieldCipher(parse_key(KEY)))
    store.setup()
    assert user_version(old_store) == LATEST_VERSION

    expected = OLD_RECORDS
    assert store.get_workflow("wf_fixture") == Workflow.model_validate(expected["workflow"])
    assert store.get_workflow("wf_fixture", 1) == Workflow.model_validate(expected["workflow_v1"])
    email = Email.model_validate(expected["email"])
    assert store.get_email("eml_fixture") == email
    assert store.find_thread_by_key("support", email.thread_key, email.received_at) == email
    assert store.list_executions() == [
        ExecutionLog.model_validate(e) for e in expected["executions"]
    ]
    assert store.count_executions_by_status() == expected["counts"]
    assert store.get_approval("apr_fixture") == Approval.model_validate(expected["approval"])
    assert store.list_approvals() == [Approval.model_validate(expected["approval"])]
    assert store.get_outbox("notify:exe_waiting") == OutboxMessage.model_validate(
        expected["outbox"]
    )
    since = email.received_at - timedelta(days=1)
    assert store.query_rollups("emails", since) == [
        RollupRow.model_validate(r) for r in expected["rollups"]
    ]
    assert store.list_audit() == [AuditEntry.model_validate(a) for a in expected["audit"]]
    assert store.list_corrections() == [
        CategoryCorrection.model_validate(c) for c in expected["corrections"]
    ]
    assert store.list_quarantine() == [
        QuarantinedMessage.model_validate(q) for q in expected["quarantine"]
    ]
    assert store.get_cursor("wf_fixture:trigger") == expected["cursor"]
    customer = store.find_customer("ada.lovelace@EXAMPLE.org")  # by its lookup token
    assert [e.email_id for e in customer.emails] == ["eml_fixture"]
    assert [e.execution_id for e in customer.executions] == ["exe_waiting"]

    # The migrated store goes on working: a new execution is counted by the triggers.
    assert store.create_execution(make_execution(execution_id="exe_new", workflow_id="wf_fixture"))
    assert store.count_executions_by_status("wf_fixture") == {
        "waiting": 1,
        "completed": 1,
        "pending": 1,
    }
    store.setup()  # again: nothing left to do, nothing counted twice
    assert sum(store.count_executions_by_status().values()) == 3
    store.close()


def test_a_migrated_store_has_the_schema_of_a_new_one(old_store: Path, tmp_path: Path) -> None:
    for path in (old_store, tmp_path / "new.db"):
        store = SQLiteStore(path)
        store.setup()
        store.close()
    assert schema(old_store) == schema(tmp_path / "new.db")


def test_setup_applies_only_the_migrations_above_the_files_version(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    store = SQLiteStore(path)
    store.setup()
    db = store._connection()
    db.execute("DROP INDEX outbox_created")  # made by migration 1
    store.setup()
    assert schema(path).get(("index", "outbox_created")) is None
    db.execute("PRAGMA user_version = 0")
    # Only migrations 1 to 4 are written to run again over their own tables (a file made
    # before they were numbered); later ones start from a known version.
    migrate(db, MIGRATIONS[:4])
    assert ("index", "outbox_created") in schema(path)
    store.close()


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    fails = Migration(LATEST_VERSION + 1, "fails half-way", ("CREATE TABLE t (x)", "NOT SQL"))
    broken = (*MIGRATIONS, fails)
    store = SQLiteStore(path)
    with store._locked() as db, pytest.raises(sqlite3.OperationalError):
        migrate(db, broken)
    assert user_version(path) == 0
    assert schema(path) == {}  # migrations 1 to 4 were rolled back with it

    store.setup()
    with store._locked() as db, pytest.raises(sqlite3.OperationalError):
        migrate(db, broken)
    assert user_version(path) == LATEST_VERSION
    assert ("table", "t") not in schema(path)
    store.close()


def test_a_store_migrated_by_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    store = SQLiteStore(path)
    store.setup()
    store._connection().execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(SchemaTooNew, match=f"version {LATEST_VERSION + 1}, newer"):
        store.setup()
    store.close()


def _set_up(store: Store, name: str) -> list[str]:
    store.setup()
    return [name]


def test_processes_migrating_at_once_migrate_once(old_store: Path) -> None:
    assert _run_processes(_set_up, old_store, ["a", "b", "c"]) == {
        "a": ["a"],
        "b": ["b"],
        "c": ["c"],
    }
    assert user_version(old_store) == LATEST_VERSION
    store = SQLiteStore(old_store)
    assert store.count_executions_by_status() == OLD_RECORDS["counts"]
    store.close()
