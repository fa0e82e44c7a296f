"""An execution's node runs as a plotly timeline (Gantt): one bar per node that has started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd  # type: ignore[import-untyped]
import plotly.express as px
import plotly.graph_objects as go  # type: ignore[import-untyped,unused-ignore]

from engine.service import ExecutionLog, NodeStatus
from ui.format import status_colour

#: A run shorter than this is drawn this long, so it stays visible beside long ones.
MIN_BAR = timedelta(milliseconds=20)
#: Windows over which executions are listed (label, how far back; None: any time).
WINDOWS: dict[str, timedelta | None] = {
    "last hour": timedelta(hours=1),
    "last 24 hours": timedelta(days=1),
    "last 7 days": timedelta(days=7),
    "any time": None,
}


def timeline_frame(
    execution: ExecutionLog, names: dict[str, str], now: datetime | None = None
) -> pd.DataFrame:
    """One row per started node run: node, status, start, finish (now while still going)."""
    now = now or datetime.now(UTC)
    rows = []
    for run in execution.node_executions:
        if run.started_at is None:
            continue
        finish = run.completed_at or (now if run.status == NodeStatus.RUNNING else run.started_at)
        finish = max(finish, run.started_at + MIN_BAR)
        rows.append(
            {
                "node": names.get(run.node_id, run.node_id),
                "status": run.status.value,
                "start": run.started_at,
                "finish": finish,
                "attempts": run.retry_count + 1,
            }
        )
    return pd.DataFrame(rows, columns=["node", "status", "start", "finish", "attempts"])


def timeline_figure(frame: pd.DataFrame) -> go.Figure:
    colours = {status: status_colour(status).hex for status in frame["status"].unique()}
    figure = px.timeline(
        frame,
        x_start="start",
        x_end="finish",
        y="node",
        color="status",
        color_discrete_map=colours,
        hover_data={"attempts": True},
    )
    figure.update_yaxes(autorange="reversed", title="")
    figure.update_layout(height=60 + 36 * len(frame), margin={"t": 10, "b": 10, "l": 10, "r": 10})
    return figure
