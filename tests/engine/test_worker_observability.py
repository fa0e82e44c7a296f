"""``python -m engine worker`` with its probes on a loopback port, run end to end.

The worker (a subprocess, as in production) has distinctive secrets configured — an OpenAI key
it really sends to a loopback "OpenAI" that fails (so the chain falls back to the local model
and the breaker opens), an intake token, a Slack token, an SMTP password — and processes demo
emails through approval to a sent reply. While it runs, /metrics, /healthz and /readyz are
scraped with httpx; afterwards every line it logged is checked: JSON, correlated, and free of
every secret and of every email body.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from engine.models import ApprovalStatus, OutboxKind, OutboxStatus
from engine.service import Actor, MailroomService, Role
from engine.store.sqlite import SQLiteStore
from providers.ai.local import LocalAIProvider
from tests.loopback_http import Reply, Request, loopback_server

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "MAILROOM_OPENAI_API_KEY": "sk-test-OPENAI-9f3b2c71d0e4",
    "MAILROOM_INTAKE_TOKEN": "intake-token-7d1e0a55c3b2",
    "MAILROOM_SLACK_BOT_TOKEN": "xoxb-4471-slack-secret-a8c1",
    "MAILROOM_SMTP_PASSWORD": "smtp-pass-Q8w7e6r5t4",
    "MAILROOM_WEBHOOK_SECRET": "webhook-hmac-secret-51f0",
    "MAILROOM_IMAP_PASSWORD": "imap-pass-Zx9Yw8Vu7",
}


@dataclass
class Run:
    """What was observed of one worker run."""

    metrics_waiting: dict[str, Any] = field(default_factory=dict)
    metrics_sent: dict[str, Any] = field(default_factory=dict)
    metrics_text: str = ""
    healthz: tuple[int, dict[str, Any]] = (0, {})
    readyz: tuple[int, dict[str, Any]] = (0, {})
    healthz_after_stop: int | None = None
    log: str = ""
    bodies: list[str] = field(default_factory=list)
    openai_authorisations: list[str] = field(default_factory=list)
    returncode: int | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def _families(text: str) -> dict[str, Any]:
    """Metric family name -> list of (sample name, labels, value)."""
    return {
        family.name: [(s.name, s.labels, s.value) for s in family.samples]
        for family in text_string_to_metric_families(text)
    }


def _openai_failing(request: Request) -> Reply:
    return Reply(500, {"error": {"message": "upstream overloaded", "type": "server_error"}})


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, local_ai: LocalAIProvider, models_dir: Path
) -> Iterator[Run]:
    data = tmp_path_factory.mktemp("observed") / "data"
    port = _free_port()
    observed = Run()
    with loopback_server(_openai_failing) as openai:
        env = {
            **os.environ,
            **SECRETS,
            "MAILROOM_DATA_DIR": str(data),
            "MAILROOM_MODELS_DIR": str(models_dir),
            "MAILROOM_SECRETS_FILE": str(data.parent / "none.toml"),
            "MAILROOM_WORKER_METRICS_PORT": str(port),
            "MAILROOM_METRICS_CACHE_SECONDS": "0",
            "MAILROOM_AI_CLASSIFY_CHAIN": "openai,local",
            "MAILROOM_OPENAI_BASE_URL": f"{openai.url}/v1",
            "MAILROOM_AI_MAX_RETRIES": "0",
            "MAILROOM_AI_CIRCUIT_FAILURES": "2",
            "MAILROOM_WORKER_HEARTBEAT_SECONDS": "1",
            "MAILROOM_WORKER_RUN_INTERVAL_SECONDS": "0.2",
            "MAILROOM_WORKER_RELOAD_SECONDS": "1",
            "MAILROOM_LOG_FORMAT": "json",
        }
        env.pop("MONGODB_URI", None)
        log_path = data.parent / "worker.log"
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "engine", "worker"],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                observed = _drive(base, data, observed)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    observed.returncode = proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    raise
            try:
                observed.healthz_after_stop = httpx.get(f"{base}/healthz", timeout=2).status_code
            except httpx.HTTPError:
                observed.healthz_after_stop = None
        observed.log = log_path.read_text("utf-8")
        observed.openai_authorisations = [
            r.headers.get("authorization", "") for r in openai.requests
        ]
    yield observed


def _drive(base: str, data: Path, observed: Run) -> Run:
    def answers() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    _wait(answers, 120, "the worker's /healthz")
    store = SQLiteStore(data / "mailroom.db")
    try:
        _wait(lambda: store.count_approvals(ApprovalStatus.PENDING) >= 2, 120, "two drafts")
        response = httpx.get(f"{base}/metrics", timeout=10)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        observed.metrics_waiting = _families(response.text)
        health = httpx.get(f"{base}/healthz", timeout=10)
        observed.healthz = (health.status_code, health.json())
        ready = httpx.get(f"{base}/readyz", timeout=10)
        observed.readyz = (ready.status_code, ready.json())

        service = MailroomService(store)
        agent = Actor("alice", Role.AGENT)
        first = service.approval_queue(agent)[0]
        service.approve(agent, first.approval_id)

        def sent() -> bool:
            return store.count_outbox(OutboxKind.REPLY, OutboxStatus.SENT) == 1

        _wait(sent, 60, "the approved reply to be sent")
        _wait(lambda: "completed" in httpx.get(f"{base}/metrics").text, 30, "the completion")
        response = httpx.get(f"{base}/metrics", timeout=10)
        observed.metrics_text = response.text
        observed.metrics_sent = _families(response.text)
        emails = [store.get_email(e.email_id or "") for e in store.list_executions()]
        observed.bodies = [email.body_text for email in emails if email is not None]
    finally:
        store.close()
    return observed


def _value(families: dict[str, Any], family: str, sample: str, **labels: str) -> float:
    total = 0.0
    for name, sample_labels, value in families.get(family, []):
        if name == sample and all(sample_labels.get(k) == v for k, v in labels.items()):
            total += value
    return total


def test_metrics_carry_the_series_an_operator_needs(run: Run) -> None:
    waiting, sent = run.metrics_waiting, run.metrics_sent
    assert _value(waiting, "mailroom_approvals_waiting", "mailroom_approvals_waiting") >= 2
    assert _value(waiting, "mailroom_executions", "mailroom_executions", status="waiting") >= 2
    assert _value(sent, "mailroom_executions", "mailroom_executions", status="completed") >= 1
    assert (
        _value(
            sent,
            "mailroom_executions_finished",
            "mailroom_executions_finished_total",
            status="completed",
        )
        >= 1
    )
    assert (
        _value(
            waiting,
            "mailroom_emails_ingested",
            "mailroom_emails_ingested_total",
            outcome="ingested",
        )
        >= 2
    )
    # Node durations are a histogram per node type.
    for node_type in ("email_trigger", "ai_model", "approval", "send_reply"):
        count = _value(
            sent,
            "mailroom_node_duration_seconds",
            "mailroom_node_duration_seconds_count",
            node_type=node_type,
        )
        assert count >= 1, node_type
    buckets = [
        labels["le"]
        for name, labels, _ in sent["mailroom_node_duration_seconds"]
        if name.endswith("_bucket")
    ]
    assert "+Inf" in buckets and "0.005" in buckets
    # Provider calls: OpenAI failed (or was skipped once its breaker opened), local answered.
    calls = "mailroom_provider_calls"
    assert _value(waiting, calls, f"{calls}_total", provider="openai", operation="classify") >= 1
    assert _value(waiting, calls, f"{calls}_total", provider="local", outcome="ok") >= 2
    assert _value(sent, calls, f"{calls}_total", kind="reply", outcome="ok") == 1
    # The breaker of the failing provider, as the store holds it (2 = open).
    assert _value(
        waiting,
        "mailroom_circuit_breaker_state",
        "mailroom_circuit_breaker_state",
        provider="openai",
    ) in (1.0, 2.0)
    assert "mailroom_errors" in sent  # declared even before any error
    assert _value(sent, "mailroom_store_up", "mailroom_store_up") == 1
    assert "process_cpu_seconds" in sent or "python_info" in sent  # the runtime's own


def test_health_endpoints_report_liveness_and_detailed_readiness(run: Run) -> None:
    status, body = run.healthz
    assert status == 200
    assert body["status"] == "ok" and body["role"] == "worker"
    assert body["scheduler_running"] is True
    status, body = run.readyz
    assert status == 200 and body["ready"] is True
    checks = body["checks"]
    assert checks["database"]["ready"] is True and checks["database"]["emails"] >= 2
    classify = checks["ai_providers"]["chains"]["classify"]
    assert [p["provider"] for p in classify["providers"]] == ["openai", "local"]
    assert classify["providers"][0]["breaker"] in ("open", "half_open")
    assert classify["ready"] is True  # local still answers
    [mailbox] = checks["mailboxes"]["mailboxes"]
    assert mailbox["mailbox"] == "support@mailroom.example" and mailbox["ready"] is True
    assert run.returncode == 0
    assert run.healthz_after_stop is None  # the probes stopped with the worker


def test_the_worker_used_the_key_but_never_logged_a_secret_or_a_body(run: Run) -> None:
    # The key was really in use: the loopback OpenAI received it.
    assert f"Bearer {SECRETS['MAILROOM_OPENAI_API_KEY']}" in run.openai_authorisations
    lines = [line for line in run.log.splitlines() if line.strip()]
    assert len(lines) >= 5
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    correlated = [r for r in records if "execution_id" in r]
    assert correlated and all(r["execution_id"].startswith("exe") for r in correlated)
    assert any("email_id" in r and "workflow_id" in r for r in correlated)
    for name, secret in SECRETS.items():
        assert secret not in run.log, name
    assert len(run.bodies) >= 2
    for body in run.bodies:
        assert body.strip() not in run.log
        for line in body.splitlines():
            if len(line.strip()) >= 40:
                assert line.strip() not in run.log, line
