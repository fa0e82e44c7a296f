"""Rollups on SQLite: one row per (bucket, metric, key), added to by upsert."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from engine.models import RollupIncrement, RollupRow
from engine.store import _codec as codec
from engine.store.ports.rollups import RollupStore
from engine.store.sqlite.connection import SQLiteDatabase, Where, t, t_opt


def add_rollups(db: sqlite3.Connection, increments: Sequence[RollupIncrement]) -> None:
    """Add ``increments`` inside the caller's transaction (see ``write_execution``)."""
    buckets: dict[datetime, str] = {}  # an execution's increments share one or two hours
    rows = []
    for i in increments:
        bucket = buckets.get(i.bucket)
        if bucket is None:
            bucket = buckets[i.bucket] = t(i.bucket)
        rows.append((bucket, i.metric, i.key, i.count, i.total))
    db.executemany(
        "INSERT INTO rollups (bucket, metric, key, count, total) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (bucket, metric, key) DO UPDATE SET"
        " count = count + excluded.count, total = total + excluded.total",
        rows,
    )


class SQLiteRollupStore(SQLiteDatabase, RollupStore):
    def increment_rollups(self, increments: Sequence[RollupIncrement]) -> None:
        if not increments:
            return
        with self._write() as db:
            add_rollups(db, increments)

    def query_rollups(
        self, metric: str, since: datetime, until: datetime | None = None
    ) -> list[RollupRow]:
        where = (
            Where()
            .add("metric = ?", metric)
            .add("bucket >= ?", t(since))
            .add_if(t_opt(until), "bucket < ?")
        )
        with self._locked() as db:
            rows = db.execute(
                "SELECT bucket, metric, key, count, total FROM rollups"
                f" WHERE {where.sql} ORDER BY bucket, key",
                where.params,
            ).fetchall()
        return [
            RollupRow(bucket=datetime.fromisoformat(bucket), metric=m, key=k, count=c, total=n)
            for bucket, m, k, c, n in rows
        ]

    def replace_rollups(
        self,
        metrics: Sequence[str],
        since: datetime,
        until: datetime,
        increments: Sequence[RollupIncrement],
    ) -> int:
        rows = codec.sum_rollup_increments(metrics, since, until, increments)
        with self._write() as db:
            db.execute(
                f"DELETE FROM rollups WHERE metric IN ({', '.join('?' for _ in metrics)})"
                " AND bucket >= ? AND bucket < ?",
                (*metrics, t(since), t(until)),
            )
            db.executemany(
                "INSERT INTO rollups (bucket, metric, key, count, total) VALUES (?, ?, ?, ?, ?)",
                [(t(b), m, k, c, n) for (b, m, k), (c, n) in rows.items()],
            )
        return len(rows)
