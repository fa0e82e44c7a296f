"""The SQLite file: its connection, transactions and what every aggregate's queries share.

Each table keeps the whole model as JSON in ``doc`` plus real columns for what is filtered,
sorted or uniquely indexed. Every write that reads first runs in a ``BEGIN IMMEDIATE``
transaction, which takes the database's write lock up front, so it is atomic across processes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from engine.encryption import FieldCipher
from engine.store import _codec as codec

BUSY_TIMEOUT_MS = 10_000

ModelT = TypeVar("ModelT", bound=BaseModel)

t = codec.time_text
t_opt = codec.time_text_or_none


def value_of(member: StrEnum | None) -> str | None:
    return None if member is None else member.value


def marks(values: Sequence[Any]) -> str:
    """``?`` placeholders for ``values`` (``NULL`` for none, so ``IN (NULL)`` matches nothing)."""
    return ", ".join("?" for _ in values) or "NULL"


class Where:
    """A WHERE clause built from optional filters, with its parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> Where:
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def add_if(self, value: Any, clause: str) -> Where:
        return self if value is None else self.add(clause, value)

    def add_in(self, column: str, values: Sequence[str]) -> Where:
        if not values:
            return self.add("0")
        return self.add(f"{column} IN ({', '.join('?' for _ in values)})", *values)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "1"


class SQLiteDatabase:
    """One SQLite database file, safe for several processes and threads.

    Threads share one connection behind a lock (SQLite serialises writers anyway); processes
    coordinate through SQLite's file locks, waiting up to ``BUSY_TIMEOUT_MS`` for each other.
    """

    def __init__(self, path: Path, cipher: FieldCipher | None = None) -> None:
        self.path = Path(path)
        self.cipher = cipher
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()

    def _connection(self) -> sqlite3.Connection:
        # The pid check: a connection inherited through fork() must not be used by the child.
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,  # SQLite's busy_timeout: wait for other writers
            isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE)
            check_same_thread=False,  # shared by threads, behind self._lock
        )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        self._conn, self._pid = conn, os.getpid()
        return conn

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads and single-statement writes (atomic on their own)."""
        with self._lock:
            yield self._connection()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A transaction holding the write lock from its start (atomic across processes)."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def _dump(self, model: BaseModel) -> str:
        """``model`` as its ``doc`` column holds it, protected fields encrypted."""
        return codec.to_json(model, self.cipher)

    def _load(self, model_type: type[ModelT], doc: str | bytes) -> ModelT:
        """The model a ``doc`` column holds, protected fields decrypted."""
        return codec.from_json(model_type, doc, self.cipher)

    def _one(self, model_type: type[ModelT], sql: str, *params: Any) -> ModelT | None:
        with self._locked() as db:
            row = db.execute(sql, params).fetchone()
        return None if row is None else self._load(model_type, row[0])

    def _all(self, model_type: type[ModelT], sql: str, *params: Any) -> list[ModelT]:
        with self._locked() as db:
            rows = db.execute(sql, params).fetchall()
        return [self._load(model_type, doc) for (doc,) in rows]

    def _count(self, sql: str, *params: Any) -> int:
        with self._locked() as db:
            row = db.execute(sql, params).fetchone()
        return int(row[0])
