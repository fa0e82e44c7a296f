"""The SQLite store's execution counts: kept by triggers, and counted once for an older store."""

from __future__ import annotations

from pathlib import Path

from engine.models import ExecutionStatus
from engine.store.sqlite import SQLiteStore
from engine.store.sqlite.migrations import MIGRATIONS, migrate
from tests.engine.store.test_contract import make_execution


def test_a_store_made_before_the_counts_table_is_counted_on_setup(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "old.db")
    db = store._connection()
    migrate(db, MIGRATIONS[:3])  # the schema before the counts table
    for n, status in enumerate([ExecutionStatus.PENDING, ExecutionStatus.FAILED]):
        store.create_execution(
            make_execution(execution_id=f"e{n}", email_id=f"m{n}", status=status)
        )
    db.execute("PRAGMA user_version = 0")  # as every store made before migrations were numbered
    store.create_execution(make_execution(execution_id="e9", email_id="m9"))  # not counted yet

    store.setup()
    assert store.count_executions_by_status() == {"pending": 2, "failed": 1}
    store.setup()  # again: nothing counted twice
    assert store.count_executions_by_status("wf_1") == {"pending": 2, "failed": 1}
    db.execute("DELETE FROM executions WHERE execution_id = 'e1'")
    assert store.count_executions_by_status() == {"pending": 2}
    store.close()
