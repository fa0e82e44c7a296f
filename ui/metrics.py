"""Rollup rows as pandas frames for the metrics page (pure functions, no Streamlit)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd  # type: ignore[import-untyped]

from engine.service import (
    DRAFT_EDIT_SHARE,
    FIRST_RESPONSE,
    NODE_LATENCY_HISTOGRAM,
    REPLIES_SENT,
    SLA,
    NodeLatency,
    RollupRow,
)

METRICS = (
    "emails_by_category",
    "emails_by_priority",
    "emails_by_sentiment",
    "executions_by_status",
    "node_runtime_ms",
    NODE_LATENCY_HISTOGRAM,
    "execution_runtime_ms",
    "approvals",
    "approval_edits",
    DRAFT_EDIT_SHARE,
    FIRST_RESPONSE,
    SLA,
    REPLIES_SENT,
    "ai_calls",
    "ai_tokens",
    "ai_cost_usd",
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


def node_percentiles(latencies: list[NodeLatency], names: dict[str, str]) -> pd.DataFrame:
    """p50 and p95 processing time per node, long format (node, percentile, ms, runs) for a
    grouped bar chart; nodes named by ``names`` where known."""
    columns = ["node", "percentile", "ms", "runs"]
    records = [
        (f"{names.get(n.node_id, n.node_id)} ({n.node_id})", label, value, n.runs)
        for n in latencies
        for label, value in (("p50", n.p50_ms), ("p95", n.p95_ms))
        if value is not None
    ]
    return pd.DataFrame(records, columns=columns)


def by_provider(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """AI calls, tokens and cost per provider: ``ai_calls`` counts calls, ``ai_tokens`` and
    ``ai_cost_usd`` hold tokens and dollars in their ``total``."""
    columns = ["provider", "calls", "tokens", "cost_usd"]
    parts = []
    for metric, column in (
        ("ai_calls", "calls"),
        ("ai_tokens", "tokens"),
        ("ai_cost_usd", "cost_usd"),
    ):
        frame = frames.get(metric)
        if frame is None or frame.empty:
            continue
        value = "count" if metric == "ai_calls" else "total"
        # Keys are "provider" or "provider:operation" (classify, draft): one row per provider.
        provider = frame["key"].str.partition(":")[0]
        parts.append(frame.groupby(provider)[value].sum().rename(column))
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, axis=1).fillna(0).reset_index(names="provider")
    for column in columns[1:]:
        if column not in table:
            table[column] = 0
    return table[columns]
