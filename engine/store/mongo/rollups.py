"""Rollups on MongoDB: one document per (bucket, metric, key), unique, added to with ``$inc``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from engine.models import RollupIncrement, RollupRow
from engine.store import _codec as codec
from engine.store.mongo.database import Document, Index, MongoDatabase
from engine.store.ports.rollups import RollupStore

INDEXES = [
    Index(
        "rollups",
        [("bucket", ASCENDING), ("metric", ASCENDING), ("key", ASCENDING)],
        unique=True,
    ),
    Index("rollups", [("metric", ASCENDING), ("bucket", ASCENDING), ("key", ASCENDING)]),
]


def add_rollups(rollups: Collection[Document], increments: Sequence[RollupIncrement]) -> None:
    """Add each increment to its row of ``rollups``, creating the row if needed."""
    for increment in increments:
        key = {
            "bucket": codec.store_time(increment.bucket),
            "metric": increment.metric,
            "key": increment.key,
        }
        change = {"$inc": {"count": increment.count, "total": increment.total}}
        try:
            rollups.update_one(key, change, upsert=True)
        except DuplicateKeyError:
            # Two upserts created the row at once; the loser's $inc did not apply.
            rollups.update_one(key, change)


class MongoRollupStore(MongoDatabase, RollupStore):
    def increment_rollups(self, increments: Sequence[RollupIncrement]) -> None:
        add_rollups(self._rollups, increments)

    def query_rollups(
        self, metric: str, since: datetime, until: datetime | None = None
    ) -> list[RollupRow]:
        bucket: Document = {"$gte": codec.store_time(since)}
        if until is not None:
            bucket["$lt"] = codec.store_time(until)
        cursor = self._rollups.find({"metric": metric, "bucket": bucket}).sort(
            [("bucket", ASCENDING), ("key", ASCENDING)]
        )
        return [self._model(RollupRow, doc) for doc in cursor]

    def replace_rollups(
        self,
        metrics: Sequence[str],
        since: datetime,
        until: datetime,
        increments: Sequence[RollupIncrement],
    ) -> int:
        # Not one transaction (that needs a replica set): a reader may briefly see the hours
        # empty. Only closed hours are rebuilt, so no worker writes them meanwhile.
        rows = codec.sum_rollup_increments(metrics, since, until, increments)
        bucket = {"$gte": codec.store_time(since), "$lt": codec.store_time(until)}
        self._rollups.delete_many({"metric": {"$in": list(metrics)}, "bucket": bucket})
        if rows:
            self._rollups.insert_many(
                [
                    {"bucket": codec.store_time(b), "metric": m, "key": k, "count": c, "total": n}
                    for (b, m, k), (c, n) in rows.items()
                ]
            )
        return len(rows)
