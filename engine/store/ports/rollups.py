"""The rollups aggregate: metrics pre-aggregated per (hour bucket, metric, key) as work happens,
so the analytics pages read a handful of rows instead of scanning executions."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime

from engine.models import RollupIncrement, RollupRow


class RollupStore(ABC):
    """Counters and totals per (bucket, metric, key), added to atomically."""

    @abstractmethod
    def increment_rollups(self, increments: Sequence[RollupIncrement]) -> None:
        """Atomically add each increment's count and total to its (bucket, metric, key) row,
        creating the row if needed."""

    @abstractmethod
    def query_rollups(
        self, metric: str, since: datetime, until: datetime | None = None
    ) -> list[RollupRow]:
        """Rows of ``metric`` with since <= bucket (< until if given), ordered by bucket, key."""

    @abstractmethod
    def replace_rollups(
        self,
        metrics: Sequence[str],
        since: datetime,
        until: datetime,
        increments: Sequence[RollupIncrement],
    ) -> int:
        """Delete the rows of ``metrics`` with since <= bucket < until, then add
        ``increments`` (each must be of one of ``metrics`` and inside the range, else
        ``ValueError``); returns the number of rows written. One transaction where the backend
        has them (SQLite)."""
