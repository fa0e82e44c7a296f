"""Metrics page: charts from the rollups, an info message without data, the CSV export."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from engine.service import Actor, MailroomService, Role
from engine.worker import Worker


def test_without_data_says_so_instead_of_drawing_empty_charts(
    open_page: Callable[[str], AppTest],
) -> None:
    at = open_page("metrics")
    assert not at.exception
    assert any("No metrics" in info.value for info in at.info)
    assert not at.get("plotly_chart")


def test_charts_and_export_when_rollups_exist(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[[str], AppTest]
) -> None:
    first = service.store.list_approvals()[0]
    service.approve(Actor("alice", Role.AGENT), first.approval_id)
    waiting_for_approval.run_pending()

    at = open_page("metrics")
    assert not at.exception
    charts = at.get("plotly_chart")
    # Volume, status, node time, priority, sentiment, approvals, edits.
    assert len(charts) == 7
    assert at.get("download_button")
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Emails classified"] == "2"
    assert metrics["Approval rate"] == "100%"
    assert metrics["Edited before sending"] == "0%"
    assert len(at.dataframe[0].value) > 0

    # A single day is drawn per hour.
    picked = at.date_input(key="metrics-range").value
    assert isinstance(picked, tuple) and len(picked) == 2
    today = picked[1]
    at.date_input(key="metrics-range").set_value((today, today)).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 7
