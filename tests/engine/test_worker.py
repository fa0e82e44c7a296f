"""The engine process with its real APScheduler loop."""

from __future__ import annotations

import time

from engine.adapters import ProviderSet
from engine.service import MailroomService
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker


def _wait_until(predicate: object, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_scheduler_polls_runs_and_stops_cleanly(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    worker = Worker(
        store, providers, settings.model_copy(update={"worker_run_interval_seconds": 0.2})
    )
    service = MailroomService(store)
    worker.start()
    try:
        assert _wait_until(lambda: service.status_summary()["approvals_pending"] >= 2)
        assert [w.worker_id for w in service.live_workers()] == [worker.worker_id]
    finally:
        worker.stop()
    assert service.live_workers() == []
    assert service.status_summary()["executions"]["running"] == 0
