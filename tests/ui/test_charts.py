"""The metrics page's figures: one trace per group, colours by key, the right orientation."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]

from ui.charts import CHART_HEIGHT, bar_chart, pie_chart


def test_pie_takes_the_colour_of_each_key_in_its_order() -> None:
    frame = pd.DataFrame({"key": ["rejected", "approved"], "count": [1, 3]})
    colours = {"approved": "#43a047", "rejected": "#e53935"}
    figure = pie_chart(frame, "Approval decisions", colours)
    (pie,) = figure.data
    assert list(pie.labels) == ["rejected", "approved"]
    assert list(pie.values) == [1, 3]
    assert list(pie.marker.colors) == ["#e53935", "#43a047"]
    assert figure.layout.title.text == "Approval decisions"
    assert figure.layout.height == CHART_HEIGHT


def test_pie_with_an_unknown_key_leaves_colours_to_the_theme() -> None:
    frame = pd.DataFrame({"key": ["approved", "escalated"], "count": [1, 1]})
    (pie,) = pie_chart(frame, "t", {"approved": "#43a047"}).data
    assert pie.marker.colors is None


def test_grouped_bars_make_one_trace_per_group_and_stack_on_request() -> None:
    frame = pd.DataFrame(
        {
            "period": [1, 1, 2, 2],
            "key": ["billing", "refund", "billing", "refund"],
            "count": [4, 0, 2, 5],
        }
    )
    figure = bar_chart(frame, x="period", y="count", group="key", stacked=True, title="v")
    assert [trace.name for trace in figure.data] == ["billing", "refund"]
    assert [list(trace.y) for trace in figure.data] == [[4, 2], [0, 5]]
    assert figure.layout.barmode == "stack"
    assert figure.layout.showlegend is True
    assert figure.layout.yaxis.rangemode == "nonnegative"


def test_horizontal_bars_put_the_values_on_x_and_show_the_hover_column() -> None:
    frame = pd.DataFrame(
        {
            "node": ["Classify", "Classify"],
            "percentile": ["p50", "p95"],
            "ms": [3.0, 9.0],
            "runs": [10, 10],
        }
    )
    figure = bar_chart(
        frame,
        x="ms",
        y="node",
        group="percentile",
        horizontal=True,
        hover="runs",
        title="n",
        x_title="ms per run",
    )
    assert {trace.orientation for trace in figure.data} == {"h"}
    assert figure.layout.barmode == "group"
    assert figure.layout.xaxis.rangemode == "nonnegative"
    assert figure.layout.xaxis.title.text == "ms per run"
    assert list(figure.data[0].customdata) == [10]
    assert "runs: %{customdata}" in figure.data[0].hovertemplate


def test_a_single_series_has_no_legend() -> None:
    frame = pd.DataFrame({"key": ["a", "b"], "minutes": [1.5, 2.0]})
    figure = bar_chart(frame, x="key", y="minutes", title="t", y_title="minutes (mean)")
    assert len(figure.data) == 1
    assert figure.layout.showlegend is False
    assert figure.layout.yaxis.title.text == "minutes (mean)"
