"""The chaos command end to end: real worker processes, SIGKILLed at random moments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.settings import Settings
from providers.ai.local import LocalAIProvider

ROOT = Path(__file__).resolve().parents[2]


def test_chaos_loses_nothing_and_sends_nothing_twice(
    settings: Settings, local_ai: LocalAIProvider
) -> None:
    env = dict(os.environ)
    env["MAILROOM_DATA_DIR"] = str(settings.data_dir)
    env["MAILROOM_MODELS_DIR"] = str(settings.model_store_dir)  # trained once per session
    arguments = [
        "--workers",
        "2",
        "--emails",
        "40",
        "--kills",
        "3",
        "--seed",
        "5",
        "--timeout",
        "300",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "chaos", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert list(report)[:6] == [
        "emails",
        "executions_completed",
        "replies_sent",
        "duplicate_replies",
        "lost_emails",
        "kills",
    ]
    assert report["emails"] == report["executions_completed"] == report["replies_sent"] == 40
    assert report["duplicate_replies"] == 0 and report["lost_emails"] == 0
    assert report["kills"] == 3


def test_chaos_refuses_bad_arguments() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "chaos", "--workers", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--workers: must be at least 1" in done.stderr


def test_bench_empty_prints_its_figures_as_json_on_the_last_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "empty", "--executions", "30"],
        cwd=ROOT,
        env=dict(os.environ, MAILROOM_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    summary, last = done.stdout.strip().splitlines()[-2:]
    figures = json.loads(last)
    assert figures["benchmark"] == "empty" and figures["executions"] == 30
    assert figures["executions_per_second"] > 0 and "executions/s" in summary
