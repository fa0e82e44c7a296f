"""Rollup helpers: the latency histogram and its percentiles, edit share, reply metrics."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from engine.rollups import (
    edit_share,
    histogram_percentiles,
    latency_bucket,
    node_latency_increment,
    percentile,
    reply_sent_increments,
    split_histogram_key,
)

AT = datetime(2024, 5, 1, 14, 35, tzinfo=UTC)


def test_latency_lands_in_its_bucket() -> None:
    assert latency_bucket(0.3) == 1
    assert latency_bucket(50) == 50
    assert latency_bucket(51) == 100
    assert latency_bucket(10**9) == math.inf
    increment = node_latency_increment("classify", AT, 42.0)
    assert increment.key == "classify|50"
    assert increment.bucket == datetime(2024, 5, 1, 14, tzinfo=UTC)
    assert split_histogram_key("a|b|inf") == ("a|b", math.inf)


def test_percentiles_interpolate_inside_a_bucket() -> None:
    histogram = {10.0: 50, 20.0: 40, 50.0: 10}  # buckets (5, 10], (10, 20], (20, 50]
    assert percentile(histogram, 50) == pytest.approx(10.0)
    assert percentile(histogram, 70) == pytest.approx(15.0)
    assert percentile(histogram, 95) == pytest.approx(35.0)
    assert percentile({10.0: 4}, 50) == pytest.approx(7.5)
    assert percentile({}, 50) is None
    assert percentile({100.0: 1, math.inf: 1}, 99) == 300_000.0  # the open bucket's floor


def test_histogram_rows_per_node() -> None:
    rows = [("a|10", 9), ("a|20", 1), ("b|100", 1), ("a|10", 10)]
    result = histogram_percentiles(rows, [50, 95])
    assert result["a"][50] == pytest.approx(5 + 5 * 10 / 19)
    assert result["b"][95] == pytest.approx(50 + 50 * 0.95)


def test_edit_share() -> None:
    assert edit_share("same", "same") == 0.0
    assert 0 < edit_share("Hello there, thanks", "Hello there, thanks!") < 0.1
    assert edit_share("abc", "xyz") == 1.0


def test_reply_metrics_and_sla() -> None:
    met = reply_sent_increments(
        received_at=AT,
        sent_at=AT + timedelta(minutes=30),
        category="billing",
        due_at=AT + timedelta(hours=1),
    )
    assert [(i.metric, i.key, i.total) for i in met] == [
        ("first_response_s", "billing", 1800.0),
        ("replies_sent", "automatic", 0.0),
        ("sla", "met", 0.0),
        # The same, split by category (first response is keyed by category already).
        ("replies_sent@category", "billing|automatic", 0.0),
        ("sla@category", "billing|met", 0.0),
    ]
    late = reply_sent_increments(
        received_at=AT,
        sent_at=AT + timedelta(hours=2),
        category="billing",
        due_at=AT + timedelta(hours=1),
    )
    assert [i.key for i in late if i.metric == "sla"] == ["breached"]
    no_sla = reply_sent_increments(received_at=AT, sent_at=AT, category="x", due_at=None)
    assert [i.metric for i in no_sla] == [
        "first_response_s",
        "replies_sent",
        "replies_sent@category",
    ]
