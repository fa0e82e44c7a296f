"""The customer history's SQLite queries are answered from their indexes (migration 9): the
statements the store runs are traced and their query plans asked for."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.encryption import FieldCipher, new_key, parse_key
from engine.store.sqlite import SQLiteStore
from tests.engine.store.test_contract import make_email, make_outbox


def _plan_of(store: SQLiteStore, call: Callable[[], object], table: str) -> str:
    """The query plan of the SELECT on ``table`` that ``call`` runs."""
    sent: list[str] = []
    db = store._connection()
    db.set_trace_callback(sent.append)
    try:
        call()
    finally:
        db.set_trace_callback(None)
    (statement,) = [s for s in sent if s.startswith("SELECT") and f"FROM {table}" in s]
    rows = sqlite3.connect(store.path).execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
    return " | ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("encrypted", [False, True])
def test_history_queries_use_their_indexes(tmp_path: Path, encrypted: bool) -> None:
    cipher = FieldCipher(parse_key(new_key())) if encrypted else None
    store = SQLiteStore(tmp_path / "mailroom.db", cipher)
    store.setup()
    try:
        store.insert_email(make_email("<h1@x>", from_address="anna@example.com"))
        store.reserve_outbox(make_outbox("reply:h1", email_id="eml_h1"))
        senders = _plan_of(store, lambda: store.list_emails_from("anna@example.com"), "emails")
        assert "USING INDEX emails_from" in senders, senders
        replies = _plan_of(store, lambda: store.replies_to(["eml_h1"]), "outbox")
        assert "USING INDEX outbox_email" in replies, replies
        thread = _plan_of(store, lambda: store.list_thread_emails("thread_1"), "emails")
        assert "USING INDEX emails_thread" in thread, thread
    finally:
        store.close()
