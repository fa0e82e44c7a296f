"""The benchmarks at tiny sizes: each reports the figures it promises, and the work it timed
was all done, once. Timings themselves are never asserted."""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main
from bench.benchmarks import bench_empty, bench_llm, bench_pipeline, summary
from bench.ui_actions import ACTIONS
from bench.ui_render import PAGES, WAITING_EMAILS, bench_ui
from engine.settings import Settings
from providers.ai.local import LocalAIProvider


@pytest.fixture
def base(settings: Settings, local_ai: LocalAIProvider) -> Settings:
    """The settings whose model folder holds the trained local model."""
    return settings


def test_empty_runs_every_execution(base: Settings) -> None:
    figures = bench_empty(base, executions=12)
    assert figures["benchmark"] == "empty"
    assert figures["executions"] == 12
    assert figures["executions_per_second"] > 0
    assert figures["cpu_ms_per_execution"] > 0
    assert figures["peak_memory_mb"] > 0


def test_pipeline_sends_one_reply_to_every_email(base: Settings) -> None:
    figures = bench_pipeline(base, emails=8)
    assert figures["emails"] == 8
    assert figures["replies_sent"] == 8
    assert figures["emails_replied"] == 8
    assert figures["duplicate_replies"] == 0
    assert figures["nodes_per_execution"] == 6
    assert figures["latency_p50_ms"] <= figures["latency_p95_ms"]
    for key in (
        "emails_per_second",
        "cpu_floor_emails_per_second",
        "share_of_cpu_floor",
        "floor_cpu_ms_per_email",
        "cpu_ms_per_email",
        "cpu_share_of_cpu_floor",
    ):
        assert figures[key] > 0
    assert "engine_overhead_ms_per_node" in figures


def test_llm_makes_two_calls_per_email_through_the_openai_sdk(base: Settings) -> None:
    figures = bench_llm(base, latency_ms=20, concurrency=4, emails=10)
    assert figures["errors"] == 0, figures["first_error"]
    assert figures["calls"] == 20  # counted by the server: classify and draft, once each
    assert figures["emails_drafted"] == 10
    assert figures["bound_calls_per_second"] == 200.0
    assert figures["share_of_bound"] > 0
    assert figures["call_p50_ms"] >= 20  # the server waits before it answers


def test_llm_without_latency_has_no_bound(base: Settings) -> None:
    figures = bench_llm(base, latency_ms=0, concurrency=1, emails=2)
    assert figures["calls"] == 4
    assert figures["bound_calls_per_second"] is None and figures["share_of_bound"] is None
    assert "no bound" in summary(figures)


def test_ui_renders_every_page_over_the_filled_history(base: Settings) -> None:
    figures = bench_ui(base, emails=60, renders=1)
    assert figures["page_errors"] == {}
    assert set(figures["page_median_ms"]) == set(PAGES)
    rows = figures["rows"]
    assert rows["emails"] == rows["executions"] == rows["approvals"] == 60
    assert rows["approvals_unindexed"] == 0  # else the app fills the queue fields on opening
    assert rows["outbox"] == 60 - WAITING_EMAILS  # the emails left waiting have no reply yet
    actions = figures["action_median_ms"]
    assert set(actions) == set(ACTIONS)
    assert all(isinstance(ms, float) for ms in actions.values()), actions


def test_the_cli_prints_a_summary_then_json_on_the_last_line(
    base: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAILROOM_DATA_DIR", str(base.data_dir))
    monkeypatch.setenv("MAILROOM_MODELS_DIR", str(base.model_store_dir))
    assert main(["empty", "--executions", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].startswith("empty workflow:")
    assert json.loads(lines[-1])["executions"] == 3
