"""Rollup rows as pandas frames for the metrics page (pure functions, no Streamlit)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd  # type: ignore[import-untyped]

from engine.models import RollupRow

METRICS = (
    "emails_by_category",
    "emails_by_priority",
    "emails_by_sentiment",
    "executions_by_status",
    "node_runtime_ms",
    "execution_runtime_ms",
    "approvals",
    "approval_edits",
)
COLUMNS = ["bucket", "metric", "key", "count", "total"]


def rollup_frame(rows: Iterable[RollupRow]) -> pd.DataFrame:
    """One row per (hourly bucket, metric, key), with its count and total."""
    frame = pd.DataFrame([row.model_dump() for row in rows], columns=COLUMNS)
    frame["bucket"] = pd.to_datetime(frame["bucket"], utc=True)
    return frame.astype({"metric": "string", "key": "string", "count": "int64", "total": "float64"})


def sum_by_key(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts and totals summed per key, largest count first."""
    if frame.empty:
        return pd.DataFrame(columns=["key", "count", "total"])
    summed = frame.groupby("key", as_index=False)[["count", "total"]].sum()
    return summed.sort_values("count", ascending=False, ignore_index=True)


def mean_by_key(frame: pd.DataFrame) -> pd.DataFrame:
    """Per key: count, total and mean (total / count) over all buckets."""
    summed = sum_by_key(frame)
    summed["mean"] = summed["total"] / summed["count"].where(summed["count"] > 0)
    return summed


def share(summed: pd.DataFrame, key: str) -> float | None:
    """The fraction of all counts that ``key`` holds; None when there are none."""
    if summed.empty:
        return None
    total = int(summed["count"].sum())
    if total == 0:
        return None
    return float(summed.loc[summed["key"] == key, "count"].sum()) / total


def volume_over_time(
    frame: pd.DataFrame, since: datetime, until: datetime, *, hourly: bool
) -> pd.DataFrame:
    """Counts per period (hour or day, UTC) and key, for a stacked bar chart.

    Every period of [since, until) is present (with zero counts where nothing happened), so
    quiet days show as gaps rather than disappearing from the axis.
    """
    if frame.empty:
        return pd.DataFrame(columns=["period", "key", "count"])
    freq = "h" if hourly else "D"
    periods = frame.assign(period=frame["bucket"].dt.floor(freq))
    counts = periods.pivot_table(
        index="period", columns="key", values="count", aggfunc="sum", fill_value=0
    )
    full = pd.date_range(since, until, freq=freq, inclusive="left", tz="UTC", name="period")
    counts = counts.reindex(full, fill_value=0)
    return counts.reset_index().melt(id_vars="period", var_name="key", value_name="count")
