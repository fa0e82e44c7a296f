"""Metrics (analysts): charts over the engine's hourly rollups, with a CSV export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd  # type: ignore[import-untyped]
import plotly.express as px
import streamlit as st

from ui.context import current_actor, get_service
from ui.format import STATUS_COLOURS
from ui.metrics import (
    METRICS,
    mean_by_key,
    rollup_frame,
    share,
    sum_by_key,
    volume_over_time,
)

PRIORITY_HEX = {"urgent": "#e53935", "high": "#fb8c00", "normal": "#1e88e5", "low": "#9e9e9e"}
SENTIMENT_HEX = {"positive": "#43a047", "neutral": "#9e9e9e", "negative": "#e53935"}
APPROVAL_HEX = {"approved": "#43a047", "rejected": "#e53935"}
CHART_HEIGHT = 360
EDIT_HEX = {"unedited": "#43a047", "edited": "#fb8c00"}

service = get_service()
actor = current_actor("metrics")

st.title("Metrics")

today = datetime.now(UTC).date()
picked = st.date_input(
    "Date range (UTC)",
    value=(today - timedelta(days=6), today),
    max_value=today,
    key="metrics-range",
)
dates: tuple[date, ...] = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
if not dates:
    st.info("Pick a date range.")
    st.stop()
start, end = dates[0], dates[-1]
since = datetime.combine(start, time.min, UTC)
until = datetime.combine(end + timedelta(days=1), time.min, UTC)

frames = {metric: rollup_frame(service.rollups(actor, metric, since, until)) for metric in METRICS}
table = pd.concat([frame for frame in frames.values() if not frame.empty] or [rollup_frame([])])
if table.empty:
    st.info(
        f"No metrics between {start} and {end} yet. Figures appear here as the engine "
        "processes emails.",
        icon=":material/monitoring:",
    )
    st.stop()

hourly = (until - since) <= timedelta(days=2)
node_names = {
    node.node_id: node.name
    for workflow in service.list_workflows(actor)
    for node in workflow.visual_data.nodes
}

emails = sum_by_key(frames["emails_by_category"])
finished = sum_by_key(frames["executions_by_status"])
approvals = sum_by_key(frames["approvals"])
edits = sum_by_key(frames["approval_edits"])
runtime = mean_by_key(frames["execution_runtime_ms"])
kpis = st.columns(5)
kpis[0].metric("Emails classified", int(emails["count"].sum()) if not emails.empty else 0)
kpis[1].metric("Executions finished", int(finished["count"].sum()) if not finished.empty else 0)
approval_rate = share(approvals, "approved")
kpis[2].metric("Approval rate", "—" if approval_rate is None else f"{approval_rate:.0%}")
edit_rate = share(edits, "edited")
kpis[3].metric("Edited before sending", "—" if edit_rate is None else f"{edit_rate:.0%}")
mean_runtime = runtime["total"].sum() / runtime["count"].sum() if not runtime.empty else None
kpis[4].metric("Mean run time", "—" if mean_runtime is None else f"{mean_runtime:.0f} ms")


def _empty(what: str) -> None:
    st.info(f"No {what} in this date range.", icon=":material/info:")


def _pie(frame: pd.DataFrame, title: str, colours: dict[str, str], key: str) -> None:
    figure = px.pie(
        frame,
        names="key",
        values="count",
        title=title,
        hole=0.45,
        color="key",
        color_discrete_map=colours,
    )
    figure.update_layout(
        height=CHART_HEIGHT, margin={"t": 50, "b": 10, "l": 10, "r": 10}, legend_title_text=""
    )
    st.plotly_chart(figure, key=key)


row = st.columns(2)
with row[0]:
    volume = volume_over_time(frames["emails_by_category"], since, until, hourly=hourly)
    if volume.empty:
        _empty("emails")
    else:
        figure = px.bar(
            volume,
            x="period",
            y="count",
            color="key",
            barmode="stack",
            title="Emails by category per " + ("hour" if hourly else "day"),
            labels={"period": "", "count": "emails", "key": "category"},
        )
        figure.update_layout(height=CHART_HEIGHT)
        if not hourly:
            figure.update_xaxes(dtick=24 * 3600 * 1000, tickformat="%b %d")
        st.plotly_chart(figure, key="chart-volume")
with row[1]:
    if finished.empty:
        _empty("finished executions")
    else:
        status_hex = {status: colour.hex for status, colour in STATUS_COLOURS.items()}
        _pie(finished, "Executions by status", status_hex, "chart-status")

row = st.columns(2)
with row[0]:
    nodes = mean_by_key(frames["node_runtime_ms"])
    if nodes.empty:
        _empty("node runs")
    else:
        nodes["node"] = [f"{node_names.get(k, k)} ({k})" for k in nodes["key"]]
        figure = px.bar(
            nodes,
            x="mean",
            y="node",
            orientation="h",
            title="Mean processing time per node",
            labels={"mean": "ms per run", "node": ""},
            hover_data={"count": True},
        )
        figure.update_layout(height=CHART_HEIGHT, yaxis={"categoryorder": "total ascending"})
        st.plotly_chart(figure, key="chart-nodes")
with row[1]:
    priorities = sum_by_key(frames["emails_by_priority"])
    if priorities.empty:
        _empty("priorities")
    else:
        _pie(priorities, "Priority mix", PRIORITY_HEX, "chart-priority")

mixes = st.columns(3)
with mixes[0]:
    sentiments = sum_by_key(frames["emails_by_sentiment"])
    if sentiments.empty:
        _empty("sentiments")
    else:
        _pie(sentiments, "Sentiment mix", SENTIMENT_HEX, "chart-sentiment")
with mixes[1]:
    if approvals.empty:
        _empty("approval decisions")
    else:
        _pie(approvals, "Approval decisions", APPROVAL_HEX, "chart-approvals")
with mixes[2]:
    if edits.empty:
        _empty("approved drafts")
    else:
        _pie(edits, "Drafts edited before sending", EDIT_HEX, "chart-edits")

st.subheader("Data")
st.caption("Hourly rollups behind the charts (UTC).")
st.dataframe(table, hide_index=True, width="stretch", height=240)
st.download_button(
    "Download CSV",
    data=table.to_csv(index=False).encode(),
    mime="text/csv",
    file_name=f"mailroom-metrics-{start}-{end}.csv",
    icon=":material/download:",
    on_click="ignore",
)
