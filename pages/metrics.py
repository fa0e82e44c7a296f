"""Metrics (analysts): charts over the engine's hourly rollups, filters, and a CSV export of
exactly what is shown. Every figure comes from pre-aggregated rows, never a scan of history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from engine.service import AUTOMATIC, DRAFT_EDIT_SHARE, FIRST_RESPONSE, REPLIES_SENT
from ui.charts import bar_chart, pie_chart
from ui.context import current_actor, get_service
from ui.format import STATUS_COLOURS
from ui.metrics import (
    METRICS,
    by_provider,
    mean_by_key,
    node_percentiles,
    rollup_frame,
    share,
    sum_by_key,
    volume_over_time,
)

PRIORITY_HEX = {"urgent": "#e53935", "high": "#fb8c00", "normal": "#1e88e5", "low": "#9e9e9e"}
SENTIMENT_HEX = {"positive": "#43a047", "neutral": "#9e9e9e", "negative": "#e53935"}
APPROVAL_HEX = {"approved": "#43a047", "rejected": "#e53935"}
EDIT_HEX = {"unedited": "#43a047", "edited": "#fb8c00"}
SLA_HEX = {"met": "#43a047", "breached": "#e53935", "open, past due": "#8e24aa"}

service = get_service()
actor = current_actor("metrics")

st.title("Metrics")

today = datetime.now(UTC).date()
controls = st.columns([2, 3])
picked = controls[0].date_input(
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

volume_rows = service.rollups(actor, "emails_by_category", since, until)
known_categories = sorted({row.key for row in volume_rows})
categories: list[str] = controls[1].multiselect(
    "Categories",
    options=known_categories,
    placeholder="All categories",
    key="metrics-categories",
    help="Applies to every figure on the page. Work done before the email was classified "
    "(the trigger, an execution that failed earlier) counts as uncategorised.",
)
if categories:
    st.caption(
        "Filtered by category from the rollups split by category: events recorded before "
        "that split existed are not included (Settings → Backfill rebuilds the email, "
        "execution and AI figures of past days)."
    )
frames = {
    metric: rollup_frame(service.rollups(actor, metric, since, until, categories))
    for metric in METRICS
}
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
replies = sum_by_key(frames[REPLIES_SENT])
compliance = service.sla_compliance(actor, since, until, categories)
sla = pd.DataFrame(
    {
        "key": ["met", "breached", "open, past due"],
        "count": [compliance.met, compliance.breached, compliance.open_overdue],
    }
)
sla = sla[sla["count"] > 0]
first_response = mean_by_key(frames[FIRST_RESPONSE])
edit_amount = mean_by_key(frames[DRAFT_EDIT_SHARE])


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


kpis = st.columns(7)
kpis[0].metric("Emails classified", int(emails["count"].sum()) if not emails.empty else 0)
kpis[1].metric("Executions finished", int(finished["count"].sum()) if not finished.empty else 0)
kpis[2].metric("Approval rate", _percent(share(approvals, "approved")))
kpis[3].metric("Sent without edits", _percent(share(edits, "unedited")))
kpis[4].metric(
    "SLA met",
    _percent(compliance.rate),
    help="Replies sent by their due time, of those sent plus drafts still waiting past it "
    "(a breach already); drafts not yet due are not counted.",
)
kpis[5].metric(
    "Automation rate",
    _percent(share(replies, AUTOMATIC)),
    help="Replies sent without a person deciding them (no approval step, or approved by the "
    "system), of all replies sent.",
)
mean_first = (
    first_response["total"].sum() / first_response["count"].sum()
    if not first_response.empty
    else None
)
kpis[6].metric(
    "Time to first response", "—" if mean_first is None else f"{mean_first / 60:.1f} min"
)


def _empty(what: str) -> None:
    st.info(f"No {what} in this date range.", icon=":material/info:")


def _pie(frame: pd.DataFrame, title: str, colours: dict[str, str], key: str) -> None:
    st.plotly_chart(pie_chart(frame, title, colours), key=key)


def _bar(frame: pd.DataFrame, key: str, **options: Any) -> None:
    st.plotly_chart(bar_chart(frame, **options), key=key)


row: list[DeltaGenerator] = list(st.columns(2))
with row[0]:
    volume = volume_over_time(frames["emails_by_category"], since, until, hourly=hourly)
    if volume.empty:
        _empty("emails")
    else:
        figure = bar_chart(
            volume,
            x="period",
            y="count",
            group="key",
            stacked=True,
            title="Emails by category per " + ("hour" if hourly else "day"),
            y_title="emails",
        )
        if not hourly:
            figure.update_xaxes(dtick=24 * 3600 * 1000, tickformat="%b %d")
        st.plotly_chart(figure, key="chart-volume")
with row[1]:
    percentiles = node_percentiles(
        service.node_latency(actor, since, until, categories), node_names
    )
    if percentiles.empty:
        _empty("node runs")
    else:
        _bar(
            percentiles,
            "chart-nodes",
            x="ms",
            y="node",
            group="percentile",
            horizontal=True,
            hover="runs",
            title="Processing time per node: p50 and p95",
            x_title="ms per run",
        )

row = list(st.columns(3))
with row[0]:
    priorities = sum_by_key(frames["emails_by_priority"])
    if priorities.empty:
        _empty("priorities")
    else:
        _pie(priorities, "Priority mix", PRIORITY_HEX, "chart-priority")
with row[1]:
    sentiments = sum_by_key(frames["emails_by_sentiment"])
    if sentiments.empty:
        _empty("sentiments")
    else:
        _pie(sentiments, "Sentiment mix", SENTIMENT_HEX, "chart-sentiment")
with row[2]:
    if finished.empty:
        _empty("finished executions")
    else:
        status_hex = {status: colour.hex for status, colour in STATUS_COLOURS.items()}
        _pie(finished, "Executions by status", status_hex, "chart-status")

row = list(st.columns(3))
with row[0]:
    if first_response.empty:
        _empty("replies sent")
    else:
        minutes = first_response.assign(minutes=first_response["mean"] / 60)
        _bar(
            minutes,
            "chart-first-response",
            x="key",
            y="minutes",
            hover="count",
            title="Time to first response by category",
            y_title="minutes (mean)",
        )
with row[1]:
    if sla.empty:
        _empty("replies or drafts past an SLA")
    else:
        _pie(sla, "SLA compliance (sent, and waiting past due)", SLA_HEX, "chart-sla")
with row[2]:
    if approvals.empty:
        _empty("approval decisions")
    else:
        _pie(approvals, "Approval decisions", APPROVAL_HEX, "chart-approvals")

row = list(st.columns(3))
with row[0]:
    if edits.empty:
        _empty("approved drafts")
    else:
        _pie(edits, "Drafts sent with and without edits", EDIT_HEX, "chart-edits")
with row[1]:
    if edit_amount.empty:
        _empty("approved drafts")
    else:
        amount = edit_amount.assign(percent=100 * edit_amount["mean"])
        _bar(
            amount,
            "chart-edit-amount",
            x="key",
            y="percent",
            hover="count",
            title="How much agents change drafts, by category",
            y_title="% of the draft changed (mean)",
        )

st.subheader("Held for a person")
held = service.held_for_person_counts(actor, since, until)
classified = int(emails["count"].sum()) if not emails.empty else 0
held_columns = st.columns([1, 2])
held_columns[0].metric(
    "Emails held by the guard rails",
    held.emails,
    help="Low confidence, an angry customer, an attempt to instruct the model, or no valid "
    "model output: these never go out, nor are approved in bulk, without a person.",
)
if classified:
    held_columns[0].caption(f"{held.emails / classified:.0%} of the emails classified")
with held_columns[1]:
    if not held.by_reason:
        _empty("emails held for a person")
    else:
        reasons = pd.DataFrame(
            {"reason": list(held.by_reason), "emails": list(held.by_reason.values())}
        )
        _bar(
            reasons,
            "chart-held",
            x="emails",
            y="reason",
            horizontal=True,
            title="Why emails were held (an email may have several reasons)",
        )

st.subheader("AI usage by provider")
providers = by_provider(frames)
if providers.empty:
    _empty("AI calls recorded")
else:
    # One chart per measure: calls, tokens and dollars differ by orders of magnitude.
    ai_columns = st.columns([1, 1, 1, 1.2])
    for column, (measure, label) in zip(
        ai_columns,
        (("calls", "AI calls"), ("tokens", "Tokens (in + out)"), ("cost_usd", "Cost (USD)")),
        strict=False,
    ):
        with column:
            _bar(
                providers,
                "chart-ai" if measure == "calls" else f"chart-ai-{measure}",
                x="provider",
                y=measure,
                group="provider",
                legend=False,
                title=label,
            )
    with ai_columns[3]:
        st.dataframe(providers, hide_index=True, width="stretch")
        if "local" in set(providers["provider"]):
            st.caption(
                "The local provider runs on this machine: it uses no tokens and costs nothing."
            )

st.subheader("Data")
st.caption("The hourly rollups behind the charts (UTC), as filtered above.")
st.dataframe(table, hide_index=True, width="stretch", height=240)
st.download_button(
    "Download CSV",
    # Made only when clicked: a render should not pay for an export nobody asked for.
    data=lambda: table.to_csv(index=False).encode(),
    mime="text/csv",
    file_name=f"mailroom-metrics-{start}-{end}.csv",
    icon=":material/download:",
    on_click="ignore",
    key="metrics-csv",
)
