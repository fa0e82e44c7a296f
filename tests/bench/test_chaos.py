"""The chaos command end to end: real worker processes, SIGKILLed at random moments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine.settings import Settings
from providers.ai.local import LocalAIProvider

ROOT = Path(__file__).resolve().parents[2]


def _chaos(
    settings: Settings, workers: int, emails: int, kills: int, mongodb_uri: str | None = None
) -> dict[str, Any]:
    """Run ``python -m bench chaos`` and give its report (the JSON of its last line)."""
    env = dict(os.environ)
    env["MAILROOM_DATA_DIR"] = str(settings.data_dir)
    env["MAILROOM_MODELS_DIR"] = str(settings.model_store_dir)  # trained once per session
    if mongodb_uri is not None:
        env["MONGODB_URI"] = mongodb_uri
    arguments = [
        *("--workers", str(workers)),
        *("--emails", str(emails)),
        *("--kills", str(kills)),
        *("--seed", "5", "--timeout", "300"),
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
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_chaos_loses_nothing_and_sends_nothing_twice(
    settings: Settings, local_ai: LocalAIProvider
) -> None:
    report = _chaos(settings, workers=2, emails=40, kills=3)

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
    assert report["kills"] == 3 and report["backend"] == "sqlite"


def test_chaos_on_one_mongodb_shared_by_three_worker_processes(
    settings: Settings, local_ai: LocalAIProvider, mongodb_uri: str
) -> None:
    """Three worker processes on the session's MongoDB server (claims, leases, fencing and the
    send reservation all go through it), two of them SIGKILLed mid-run."""
    report = _chaos(settings, workers=3, emails=20, kills=2, mongodb_uri=mongodb_uri)

    assert report["backend"] == "mongodb" and report["workers"] == 3
    assert report["emails"] == report["executions_completed"] == report["replies_sent"] == 20
    assert report["duplicate_replies"] == 0 and report["lost_emails"] == 0
    assert report["kills"] == 2


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
