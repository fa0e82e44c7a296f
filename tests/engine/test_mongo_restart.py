"""A MongoDB restart in the middle of a run: a secantusdb server on a storage folder is stopped
while a worker is taking emails through a workflow, and started again on the same port and
storage. The worker rides it out and finishes every email once; health reports the outage
while it lasts and clears afterwards; the readiness probe says not ready meanwhile."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.adapters import build_providers
from engine.http.probes import database_status
from engine.models import ExecutionStatus, VisualData, Workflow, WorkflowStatus
from engine.ops.health import Health, system_health
from engine.seed import _link, _node
from engine.settings import Settings
from engine.store.base import Store
from engine.store.factory import open_store
from engine.worker import Worker
from tests.mongo_server import SecantusServer

EMAILS = 30
WAIT_SECONDS = 120.0


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.2)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SecantusServer]:
    folder = tmp_path / "server"
    folder.mkdir()
    server = SecantusServer(folder, storage=str(folder / "storage"))
    server.start()
    yield server
    server.stop()


def _trickle_workflow() -> Workflow:
    """Demo emails, a few per poll, through a no-op node: no AI in the way."""
    nodes = [
        _node(
            "trigger",
            "email_trigger",
            "Mail",
            0,
            0,
            source="demo",
            mailbox="restart@mailroom.example",
            check_interval_seconds=1,
            batch_size=3,
            max_emails=EMAILS,
        ),
        _node("noop", "transform", "No-op", 200, 0),
    ]
    return Workflow(
        workflow_id="restart",
        name="Restart",
        status=WorkflowStatus.ACTIVE,
        visual_data=VisualData(nodes=nodes, connections=[_link("trigger", "noop")]),
    )


def _completed(store: Store) -> int:
    return store.count_executions_by_status("restart").get(ExecutionStatus.COMPLETED.value, 0)


def test_a_worker_survives_a_server_restart_and_health_shows_the_outage(
    server: SecantusServer, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        mongodb_uri=server.uri,
        mongodb_timeout_seconds=2,
        worker_lease_seconds=3,
        worker_heartbeat_seconds=0.5,
        worker_run_interval_seconds=0.1,
        worker_reload_seconds=1,
    )
    store = open_store(settings)
    try:
        _run_through_a_restart(server, settings, store)
    finally:
        store.close()


def _run_through_a_restart(server: SecantusServer, settings: Settings, store: Store) -> None:
    store.setup()
    store.save_workflow(_trickle_workflow())
    worker = Worker(store, build_providers(settings), settings)
    worker.start()
    try:
        _wait_for(lambda: _completed(store) >= 3, "the first executions")
        assert system_health(store, settings)[0].health == Health.OK

        server.stop()
        down = system_health(store, settings)
        assert down[0].component == "database" and down[0].health == Health.ERROR
        assert "unreachable" in down[0].detail
        assert [check.component for check in down[1:]] == ["ai"]  # workers: unknown meanwhile
        assert database_status(store)["ready"] is False
        time.sleep(2 * settings.worker_lease_seconds)  # the worker meets the outage
        assert worker.scheduler_running()

        server.start()
        _wait_for(lambda: _completed(store) >= EMAILS, "every email after the restart")
        up = system_health(store, settings)
        assert up[0].health == Health.OK
        assert any(c.component == "worker" and c.health == Health.OK for c in up)
    finally:
        worker.stop()
    counts = store.count_executions_by_status("restart")
    assert counts == {ExecutionStatus.COMPLETED.value: EMAILS}  # none failed, none twice
    assert store.count_emails() == EMAILS
