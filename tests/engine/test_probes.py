"""Readiness and liveness documents, the store-backed gauges, and the JSON log format with its
correlation ids and secret masking (in process; the worker subprocess is in
``test_worker_observability.py``)."""

from __future__ import annotations

import contextvars
import io
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.testclient import TestClient

from engine.adapters import ProviderSet
from engine.http.probes import Liveness, probe_routes, readiness
from engine.mail.source_health import mailbox_state, source_key
from engine.mail.triggers import poll_trigger, trigger_nodes
from engine.models import SourceHealth
from engine.ops.logs import REDACTED, configure_logging, correlation, secret_values
from engine.ops.telemetry import StoreCollector
from engine.roles import Actor, Role
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import MailroomService
from engine.settings import Settings
from engine.store.base import Store, StoreError
from providers.ai.resilience import CircuitBreaker
from providers.email.base import EmailSource, FetchResult
from providers.email.demo_outbox import DemoOutbox
from providers.errors import ProviderUnavailableError
from providers.notify.demo import DemoNotifier


def _open_breaker(store: Store, name: str) -> None:
    from engine.circuit import StoreBreakerState

    breaker = CircuitBreaker(name, StoreBreakerState(store), failure_threshold=1)
    breaker.record_failure()


def test_ready_when_the_store_answers_and_every_chain_has_a_usable_provider(
    store: Store, settings: Settings
) -> None:
    body = readiness(store, settings)
    assert body["ready"] is True
    assert body["checks"]["ai_providers"]["chains"]["classify"]["providers"] == [
        {"provider": "local", "breaker": "none", "usable": True}
    ]
    assert body["checks"]["mailboxes"]["mailboxes"][0]["mailbox"] == "support@mailroom.example"


def test_not_ready_when_the_only_provider_of_a_chain_is_open(
    store: Store, settings: Settings
) -> None:
    configured = settings.model_copy(
        update={"ai_classify_chain": "openai", "openai_api_key": SecretStr("sk-x" * 4)}
    )
    _open_breaker(store, "openai")
    client = TestClient(Starlette(routes=probe_routes(store, configured, Liveness("worker"))))
    response = client.get("/readyz")
    assert response.status_code == 503
    chain = response.json()["checks"]["ai_providers"]["chains"]["classify"]
    assert chain["ready"] is False and chain["providers"][0]["breaker"] == "open"
    assert response.json()["checks"]["database"]["ready"] is True


class UnreachableMailbox(EmailSource):
    """A mailbox whose every poll fails, as when its server is down."""

    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        raise ProviderUnavailableError("imap.example.com: connection refused")


def _poll_failing_mailbox(store: Store, settings: Settings, times: int) -> None:
    """Poll the default workflow's trigger ``times`` times, through the trigger's own code."""
    providers = ProviderSet(
        ai_factory=lambda: pytest.fail("no AI is needed to poll"),
        sender=DemoOutbox(settings.data_dir / "outbox"),
        notifier=DemoNotifier(settings.data_dir / "notifications.jsonl"),
        source_factory=lambda config: UnreachableMailbox(),
    )
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    [trigger] = trigger_nodes(workflow)
    for _ in range(times):
        with pytest.raises(ProviderUnavailableError):
            poll_trigger(store, providers, workflow, trigger, owner="test")


def test_ready_while_a_mailbox_fails_less_often_than_its_alert_threshold(
    store: Store, settings: Settings
) -> None:
    _poll_failing_mailbox(store, settings, times=2)
    body = readiness(store, settings)
    [mailbox] = body["checks"]["mailboxes"]["mailboxes"]
    assert mailbox["consecutive_errors"] == 2 and mailbox["state"] == "failing"
    assert body["ready"] is True


def test_not_ready_when_a_mailbox_stalled(store: Store, settings: Settings) -> None:
    _poll_failing_mailbox(store, settings, times=3)  # the trigger alerts after 3 by default
    body = readiness(store, settings)
    assert body["ready"] is False
    [mailbox] = body["checks"]["mailboxes"]["mailboxes"]
    assert mailbox["ready"] is False and mailbox["consecutive_errors"] == 3
    assert mailbox["state"] == "stalled"
    # The Settings page says the same of it, by the same rule.
    [row] = MailroomService(store).source_health(Actor("alice", Role.ADMIN))
    assert row.status == "stalled" and row.consecutive_errors == 3


def test_a_mailbox_nobody_polled_successfully_for_long_is_stalled() -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    health = SourceHealth(
        source_key=source_key("wf", "trigger"),
        workflow_id="wf",
        node_id="trigger",
        source="imap",
        mailbox="support@example.com",
        last_success_at=now - timedelta(minutes=20),
    )

    def state(interval: float) -> str:
        return mailbox_state(
            health, alert_after_failures=3, check_interval_seconds=interval, now=now
        )

    assert state(60.0) == "stalled"
    assert state(600.0) == "ok"  # three intervals have not passed yet


class BrokenStore:
    """A store whose every read fails, as when the database is down."""

    def __getattr__(self, name: str) -> object:
        def fail(*args: object, **kwargs: object) -> object:
            raise StoreError("connection refused")

        return fail


def test_not_ready_and_store_down_when_the_database_is_unreachable(settings: Settings) -> None:
    broken = BrokenStore()
    body = readiness(broken, settings)  # type: ignore[arg-type]
    assert body["ready"] is False
    assert body["checks"]["database"] == {"ready": False, "error": "StoreError"}
    [up] = list(StoreCollector(broken).collect())  # type: ignore[arg-type]
    assert up.name == "mailroom_store_up" and up.samples[0].value == 0.0


def test_liveness_fails_when_the_scheduler_stopped(store: Store, settings: Settings) -> None:
    running = [True]
    liveness = Liveness("worker", lambda: running[0])
    client = TestClient(Starlette(routes=probe_routes(store, settings, liveness)))
    assert client.get("/healthz").json()["scheduler_running"] is True
    running[0] = False
    stopped = client.get("/healthz")
    assert stopped.status_code == 503 and stopped.json()["scheduler_running"] is False


def test_store_gauges_are_cached_between_scrapes(store: Store) -> None:
    now = [0.0]
    reads = []
    collector = StoreCollector(store, cache_seconds=5.0, clock=lambda: now[0])
    original = store.count_executions_by_status

    def counted(workflow_id: str | None = None) -> dict[str, int]:
        reads.append(1)
        return original(workflow_id)

    store.count_executions_by_status = counted  # type: ignore[method-assign]
    list(collector.collect())
    now[0] = 4.0
    list(collector.collect())
    assert len(reads) == 1
    now[0] = 5.5
    list(collector.collect())
    assert len(reads) == 2


def _capture(settings: Settings) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    return stream, configure_logging(settings, stream=stream, replace=False)


def test_log_lines_are_json_with_correlation_ids_across_threads(settings: Settings) -> None:
    stream, handler = _capture(settings)
    log = logging.getLogger("engine.test")
    try:
        with correlation(execution_id="exe_1", email_id="eml_1"):
            log.info("outside a node")
            with ThreadPoolExecutor(1) as pool:
                pool.submit(contextvars.copy_context().run, log.info, "inside a node").result()
        log.info("after")
    finally:
        logging.getLogger().removeHandler(handler)
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "outside a node" and first["execution_id"] == "exe_1"
    assert second["email_id"] == "eml_1" and second["thread"] != first["thread"]
    assert "execution_id" not in third
    assert {"time", "level", "logger", "process"} <= set(first)


def test_every_configured_secret_is_masked_even_in_a_traceback(settings: Settings) -> None:
    uri_password = "m0ngo-Pa55word"
    configured = settings.model_copy(
        update={
            "openai_api_key": SecretStr("sk-live-abcdef123456"),
            "smtp_password": SecretStr('pa"ss\\word-äö'),
            "mongodb_uri": SecretStr(f"mongodb://app:{uri_password}@db.example:27017/"),
        }
    )
    environ = {"MAILROOM_TEAM_IMAP_PASSWORD": "imap-env-secret", "HOME": "/home/x"}
    assert "imap-env-secret" in secret_values(configured, environ)
    assert "/home/x" not in secret_values(configured, environ)
    stream, handler = _capture(configured)
    log = logging.getLogger("engine.test")
    try:
        try:
            raise RuntimeError("auth failed for key sk-live-abcdef123456")
        except RuntimeError:
            log.exception("calling with %s and %s", 'pa"ss\\word-äö', uri_password)
    finally:
        logging.getLogger().removeHandler(handler)
    output = stream.getvalue()
    for secret in ("sk-live-abcdef123456", 'pa\\"ss\\\\word', uri_password, "ss\\\\word"):
        assert secret not in output, secret
    record = json.loads(output)
    assert record["message"] == f"calling with {REDACTED} and {REDACTED}"
    assert REDACTED in record["exc_info"]
