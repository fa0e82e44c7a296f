"""The metrics page's figures, built from plotly graph objects.

plotly.express spends about 30 ms on each figure (templates, subplots, repeated layout
updates) against about 1 ms for the same figure from graph objects; the page draws thirteen,
so express alone cost half a second a render (profiled with py-spy on ``bench ui``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd  # type: ignore[import-untyped]
import plotly.graph_objects as go  # type: ignore[import-untyped,unused-ignore]

CHART_HEIGHT = 340


def _layout(title: str, **extra: object) -> dict[str, object]:
    return {
        "title": {"text": title},
        "height": CHART_HEIGHT,
        "margin": {"t": 50, "b": 10, "l": 10, "r": 10},
        **extra,
    }


def pie_chart(frame: pd.DataFrame, title: str, colours: Mapping[str, str]) -> go.Figure:
    """A donut of ``count`` by ``key``; keys without a colour take the theme's."""
    keys = [str(key) for key in frame["key"]]
    marker = {"colors": [colours[key] for key in keys]} if all(k in colours for k in keys) else {}
    pie = go.Pie(labels=keys, values=list(frame["count"]), hole=0.45, marker=marker, sort=False)
    return go.Figure(pie, layout=_layout(title, legend={"title": {"text": ""}}))


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    group: str | None = None,
    hover: str | None = None,
    horizontal: bool = False,
    stacked: bool = False,
    legend: bool = True,
    x_title: str = "",
    y_title: str = "",
) -> go.Figure:
    """Bars of ``y`` over ``x``, one trace per value of ``group`` (grouped, or stacked);
    ``hover`` names a column shown on hover beside the value."""
    groups = [(None, frame)] if group is None else list(frame.groupby(group, sort=False))
    # Hover shows the category, then the value, then the ``hover`` column.
    category, value = ("y", "x") if horizontal else ("x", "y")
    extra = f"<br>{hover}: %{{customdata}}" if hover else ""
    traces = [
        go.Bar(
            x=list(part[x]),
            y=list(part[y]),
            name="" if name is None else str(name),
            orientation="h" if horizontal else "v",
            customdata=list(part[hover]) if hover else None,
            hovertemplate=f"%{{{category}}}: %{{{value}}}{extra}<extra>{name or ''}</extra>",
        )
        for name, part in groups
    ]
    value_axis = {"rangemode": "nonnegative", "title": {"text": x_title if horizontal else y_title}}
    category_axis = {"title": {"text": y_title if horizontal else x_title}}
    layout = _layout(
        title,
        barmode="stack" if stacked else "group",
        showlegend=legend and group is not None,
        legend={"title": {"text": ""}},
        xaxis=value_axis if horizontal else category_axis,
        yaxis=category_axis if horizontal else value_axis,
    )
    return go.Figure(traces, layout=layout)
